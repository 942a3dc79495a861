import { sql } from 'kysely';
import type { DialectSchema } from '../dialect.js';

export const postgresSchema: DialectSchema = {
  autoIncrementType: 'bigserial',
  autoIncrement: (column) => column.primaryKey(),
  // PostgreSQL's collations are deterministic: two texts are equal only byte for byte.
  binaryType: 'bytea',
  exactText: (length) => sql`varchar(${sql.lit(length)})`,
  existingTables: (names) =>
    sql`select name from unnest(${names}::text[]) as name where to_regclass(quote_ident(name)) is not null`,
};
