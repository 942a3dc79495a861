import { type Kysely, sql, type Transaction } from 'kysely';
import type { BulkColumn, BulkInsert, FinishInsert } from '../../bulk-insert.js';
import { Slot, StatementTemplate } from '../../statement-template.js';
import type { Database } from '../../tables.js';
import type { DialectWrites } from '../dialect.js';
import { onConflictDoNothing, onConflictUpsert } from '../shared/on-conflict.js';

/**
 * PostgreSQL: `INSERT … SELECT * FROM unnest($1::bigint[], $2::text[], …)`, one array parameter per
 * column. The text never changes, so the server parses and plans a short statement instead of a VALUES
 * list of thousands of parameters, and the driver encodes one array per column instead of one parameter
 * per value.
 */
export class ArrayInsert implements BulkInsert {
  readonly #statement: StatementTemplate;
  readonly #width: number;

  constructor(
    db: Kysely<Database>,
    table: keyof Database,
    columns: readonly BulkColumn[],
    finish: FinishInsert,
  ) {
    const arrays = columns.map(([, type], i) => sql`${sql.val(new Slot(i))}::${sql.raw(type)}[]`);
    const insert = db
      .insertInto(table)
      .columns(columns.map(([name]) => name) as never)
      .expression(sql`select * from unnest(${sql.join(arrays)})`);
    this.#statement = new StatementTemplate(finish(insert));
    this.#width = columns.length;
  }

  async run<Row, Returned = unknown>(
    trx: Transaction<Database>,
    rows: readonly Row[],
    values: (row: Row) => readonly unknown[],
  ): Promise<Returned[]> {
    if (rows.length === 0) return [];
    const columns = Array.from({ length: this.#width }, () => new Array<unknown>(rows.length));
    for (let i = 0; i < rows.length; i++) {
      const row = values(rows[i]!);
      for (let column = 0; column < this.#width; column++) columns[column]![i] = row[column];
    }
    return (await trx.executeQuery<Returned>(this.#statement.bind(columns))).rows as Returned[];
  }
}

export const postgresWrites: DialectWrites = {
  // The protocol's limit is 65,535 parameters per statement.
  maxParameters: 65_000,
  upsert: (insert, table, key, merge) =>
    onConflictUpsert(insert, table, key, merge, { min: 'least', max: 'greatest' }),
  bulkInsert: (db, table, columns, finish) => new ArrayInsert(db, table, columns, finish),
  // Two array parameters joined as a table: a list of 500 row values is planned as 500 ORs, ten times slower.
  inRouteBuckets: (keys) =>
    sql<boolean>`(${sql.ref('route_id')}, ${sql.ref('bucket')}) in (select * from unnest(${keys.map(([routeId]) => routeId)}::bigint[], ${keys.map(([, bucket]) => bucket)}::bigint[]))`,
  insertIgnoringDuplicates: onConflictDoNothing,
  claimMethod: async () => 'returning',
};
