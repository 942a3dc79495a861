import { type Compilable, type InsertQueryBuilder, type Kysely, sql, type Transaction } from 'kysely';
import { Slot, StatementsBySize, StatementTemplate } from './statement-template.js';
import type { Database } from './tables.js';

/**
 * One INSERT (or upsert) of many rows, compiled once per store and run for every batch: the Ingestor's
 * hot statements. How the rows travel depends on the database (see `StoreDialect.bulkInsert`).
 */
export interface BulkInsert {
  /**
   * Writes `rows`; `values` gives a row's values in the order of the statement's columns. Returns what
   * RETURNING gave.
   */
  run<Row, Returned = unknown>(
    trx: Transaction<Database>,
    rows: readonly Row[],
    values: (row: Row) => readonly unknown[],
  ): Promise<Returned[]>;
}

/** A column of a bulk insert and the SQL type its values travel as. */
export type BulkColumn = readonly [name: string, type: 'bigint' | 'integer' | 'double precision' | 'text'];

/** What turns the plain insert into the statement wanted: an ON CONFLICT clause, RETURNING. */
export type FinishInsert = (insert: InsertQueryBuilder<Database, keyof Database, any>) => Compilable;

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
