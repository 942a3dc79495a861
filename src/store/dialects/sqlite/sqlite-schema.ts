import { sql } from 'kysely';
import type { DialectSchema } from '../dialect.js';

export const sqliteSchema: DialectSchema = {
  autoIncrementType: 'integer',
  autoIncrement: (column) => column.primaryKey().autoIncrement(),
  // SQLite compares text byte by byte unless a column asks otherwise.
  binaryType: 'blob',
  exactText: (length) => sql`varchar(${sql.lit(length)})`,
  existingTables: (names) =>
    sql`select name from sqlite_master where type = 'table' and name in (${sql.join(names)})`,
};
