import type { Kysely, Transaction } from 'kysely';
import type { BulkColumn, BulkInsert, FinishInsert } from '../../bulk-insert.js';
import { Slot, StatementsBySize } from '../../statement-template.js';
import type { Database } from '../../tables.js';

/**
 * SQLite, MySQL and MariaDB: `INSERT … VALUES (…), (…), …` with a tuple per row, as Kysely compiles it
 * for the dialect and the store's table prefix, finished by `finish`; compiled once per row count (see
 * StatementsBySize).
 */
export class ValuesInsert implements BulkInsert {
  readonly #statements: StatementsBySize;

  /** @param maxParameters the dialect's limit: more rows run as several statements */
  constructor(
    maxParameters: number,
    db: Kysely<Database>,
    table: keyof Database,
    columns: readonly BulkColumn[],
    finish: FinishInsert,
  ) {
    const width = columns.length;
    const rowOfSlots = (row: number) =>
      Object.fromEntries(columns.map(([name], column) => [name, new Slot(row * width + column)]));
    this.#statements = new StatementsBySize(
      (rows) =>
        finish(
          db.insertInto(table).values(Array.from({ length: rows }, (_, row) => rowOfSlots(row)) as never),
        ),
      Math.floor(maxParameters / width),
    );
  }

  async run<Row, Returned = unknown>(
    trx: Transaction<Database>,
    rows: readonly Row[],
    values: (row: Row) => readonly unknown[],
  ): Promise<Returned[]> {
    const returned: Returned[] = [];
    for (const { statement, start, end } of this.#statements.slices(rows.length)) {
      const parameters: unknown[] = [];
      for (let i = start; i < end; i++) {
        for (const value of values(rows[i]!)) parameters.push(value);
      }
      for (const row of (await trx.executeQuery<Returned>(statement.bind(parameters))).rows)
        returned.push(row);
    }
    return returned;
  }
}
