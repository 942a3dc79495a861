import { sql } from 'kysely';
import type { DialectSchema } from '../dialect.js';

export const mysqlSchema: DialectSchema = {
  autoIncrementType: 'bigint',
  autoIncrement: (column) => column.primaryKey().autoIncrement(),
  // The default collations fold case (and accents): a unique key on them would merge `/Users` into `/users`.
  binaryType: 'blob',
  exactText: (length) => sql`varchar(${sql.lit(length)}) character set utf8mb4 collate utf8mb4_bin`,
  existingTables: (names) =>
    sql`select table_name as name from information_schema.tables
        where table_schema = database() and table_name in (${sql.join(names)})`,
};
