/**
 * The store's database through its bare driver (pg, better-sqlite3), without routeperf or Kysely: for
 * the raw insert yardstick, for counting what the worker stored, and for dropping a run's tables.
 *
 * The yardstick writes a batch of rows in one transaction by hand-written SQL. Each database offers the
 * plain ways worth trying (`methods`); the benchmark measures them all, interleaved with the worker, and
 * compares the worker with the fastest.
 */
import type { RequestMetrics } from '../../src/record/metrics.js';
import { ACCESS_RECORD_COLUMNS, accessRecordValues } from '../../src/store/tables.js';

/** A column of the yardstick's rows and the SQL type its values travel as in an array (PostgreSQL). */
export type RawColumn = readonly [name: string, type: 'bigint' | 'integer' | 'double precision' | 'text'];

/** Rows of one table, made from request metrics, for the raw insert yardstick. */
export interface RawRows {
  /** The table, created already. */
  table: string;
  columns: readonly RawColumn[];
  values(metrics: RequestMetrics): unknown[];
}

/** Writes one batch of rows (each the values of `RawRows.columns`) in one transaction. */
export type RawWriter = (rows: readonly unknown[][]) => Promise<void>;

export interface PlainDatabase {
  /** Column type of an auto-increment primary key. */
  readonly serialKey: string;
  /** The plain ways of writing a batch this database is measured with, by name. */
  readonly methods: readonly string[];
  /** A writer of batches into `rows.table` by `method`, one of `methods`. */
  writer(method: string, rows: RawRows): RawWriter;
  exec(statement: string): Promise<void>;
  /** The first column of the first row, as a number. */
  number(query: string): Promise<number>;
  /** Drops every table whose name starts with `prefix`. */
  dropTables(prefix: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a naive "one row per request" store would write: a narrow row each, into a plain table with
 * nothing but its primary key. Creates the table.
 */
export async function narrowRows(db: PlainDatabase, table: string): Promise<RawRows> {
  await db.exec(
    `create table "${table}" (id ${db.serialKey}, ts bigint not null, method varchar(16) not null, ` +
      'route varchar(600) not null, status_code integer not null, request_time double precision not null)',
  );
  return {
    table,
    columns: [
      ['ts', 'bigint'],
      ['method', 'text'],
      ['route', 'text'],
      ['status_code', 'integer'],
      ['request_time', 'double precision'],
    ],
    values: (m) => [m.ts, m.method, m.route, m.statusCode, m.requestTime],
  };
}

/**
 * The access records the worker writes, as they are: every column, into `table`, an `access_records`
 * table the store's own migrations created (its keys and indexes included). A route id per route.
 */
export function accessRecordRows(table: string): RawRows {
  const routeIds = new Map<string, number>();
  const routeId = (m: RequestMetrics) => {
    const key = `${m.environment} ${m.method} ${m.route}`;
    if (!routeIds.has(key)) routeIds.set(key, routeIds.size + 1);
    return routeIds.get(key)!;
  };
  return { table, columns: ACCESS_RECORD_COLUMNS, values: (m) => accessRecordValues(m, routeId(m)) };
}

/**
 * Rows per second for `metrics` written as `rows` by `write`, in batches of `batchSize` rows, one
 * transaction each, one batch after the other on one connection; making each row's values is timed too.
 */
export async function rawInsertRate(
  write: RawWriter,
  rows: RawRows,
  metrics: readonly RequestMetrics[],
  batchSize: number,
): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < metrics.length; start += batchSize) {
    const end = Math.min(start + batchSize, metrics.length);
    const batch: unknown[][] = [];
    for (let i = start; i < end; i++) batch.push(rows.values(metrics[i]!));
    await write(batch);
  }
  return metrics.length / ((performance.now() - started) / 1000);
}

/** `insert into t (a, b) values (…), (…)` for `count` rows, with `placeholder(i)` for the i-th value. */
function valuesStatement(rows: RawRows, count: number, placeholder: (index: number) => string): string {
  const width = rows.columns.length;
  const tuples = Array.from(
    { length: count },
    (_, row) => `(${rows.columns.map((_, column) => placeholder(row * width + column)).join(', ')})`,
  );
  return `insert into "${rows.table}" (${columnList(rows)}) values ${tuples.join(', ')}`;
}

function columnList(rows: RawRows): string {
  return rows.columns.map(([name]) => `"${name}"`).join(', ');
}

/** A batch cut into runs of at most `maxRows` rows: the driver's limit of parameters per statement. */
function* chunks<T>(batch: readonly T[], maxRows: number): Generator<readonly T[]> {
  for (let start = 0; start < batch.length; start += maxRows) yield batch.slice(start, start + maxRows);
}

/** One statement text per row count, made once. */
function byRowCount(make: (count: number) => string): (count: number) => string {
  const made = new Map<number, string>();
  return (count) => {
    let statement = made.get(count);
    if (statement === undefined) {
      statement = make(count);
      made.set(count, statement);
    }
    return statement;
  };
}

/** What each database's methods send, for the notes under the tables. */
export const METHOD_NOTES = {
  postgres:
    'PostgreSQL: unnest = insert into t (…) select * from unnest($1::bigint[], $2::text[], …), one array ' +
    'per column, the statement shape the worker sends; values = one multi-row insert … values (…), (…) ' +
    'of the batch; both named prepared statements, begin … commit around each batch.',
  sqlite:
    'SQLite: row loop = one prepared single-row insert run for each row of the batch inside ' +
    'db.transaction(); values = one prepared multi-row insert … values (…), (…) of the batch in ' +
    'db.transaction().',
};

/** The protocol's limit is 65,535 parameters per statement. */
const POSTGRES_MAX_PARAMETERS = 65_000;

export async function openPostgres(url: string): Promise<PlainDatabase> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Named statements are prepared once per connection, as a tuned writer's would be.
  const names = new Map<string, string>();
  const nameOf = (statement: string) => {
    let name = names.get(statement);
    if (!name) {
      name = `bench_${names.size}`;
      names.set(statement, name);
    }
    return name;
  };
  const run = (text: string, values: unknown[]) => client.query({ name: nameOf(text), text, values });
  const inTransaction = async (work: () => Promise<void>) => {
    await client.query('begin');
    try {
      await work();
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    }
  };
  const writers: Record<string, (rows: RawRows) => RawWriter> = {
    // The statement the worker sends: one array per column, a short text the server plans once.
    unnest(rows) {
      const arrays = rows.columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
      const text = `insert into "${rows.table}" (${columnList(rows)}) select * from unnest(${arrays})`;
      return (batch) =>
        inTransaction(async () => {
          const columns = rows.columns.map((_, column) => batch.map((row) => row[column]));
          await run(text, columns);
        });
    },
    values(rows) {
      const statement = byRowCount((count) => valuesStatement(rows, count, (i) => `$${i + 1}`));
      const maxRows = Math.floor(POSTGRES_MAX_PARAMETERS / rows.columns.length);
      return (batch) =>
        inTransaction(async () => {
          for (const chunk of chunks(batch, maxRows)) await run(statement(chunk.length), chunk.flat());
        });
    },
  };
  return {
    serialKey: 'bigserial primary key',
    methods: Object.keys(writers),
    writer: (method, rows) => writers[method]!(rows),
    async exec(statement) {
      await client.query(statement);
    },
    async number(query) {
      const { rows } = await client.query({ text: query, rowMode: 'array' });
      return Number(rows[0]?.[0] ?? 0);
    },
    async dropTables(prefix) {
      const { rows } = await client.query<{ tablename: string }>(
        'select tablename from pg_tables where schemaname = current_schema() and starts_with(tablename, $1)',
        [prefix],
      );
      for (const { tablename } of rows) await client.query(`drop table if exists "${tablename}"`);
    },
    close: () => client.end(),
  };
}

/** SQLite's default limit of bound parameters per statement (since 3.32). */
const SQLITE_MAX_PARAMETERS = 32_766;

export async function openSqlite(path: string): Promise<PlainDatabase> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path);
  // The store's own settings (see the SQLite dialect): the same durability for both writers.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const writers: Record<string, (rows: RawRows) => RawWriter> = {
    // One prepared single-row insert, run for each row inside the batch's transaction.
    'row loop'(rows) {
      const insert = db.prepare(valuesStatement(rows, 1, () => '?'));
      const write = db.transaction((batch: readonly unknown[][]) => {
        for (const row of batch) insert.run(row);
      });
      return async (batch) => {
        write(batch);
      };
    },
    values(rows) {
      const statements = new Map<number, import('better-sqlite3').Statement>();
      const statement = (count: number) => {
        let found = statements.get(count);
        if (!found) {
          found = db.prepare(valuesStatement(rows, count, () => '?'));
          statements.set(count, found);
        }
        return found;
      };
      const maxRows = Math.floor(SQLITE_MAX_PARAMETERS / rows.columns.length);
      const write = db.transaction((batch: readonly unknown[][]) => {
        for (const chunk of chunks(batch, maxRows)) statement(chunk.length).run(chunk.flat());
      });
      return async (batch) => {
        write(batch);
      };
    },
  };
  return {
    serialKey: 'integer primary key',
    methods: Object.keys(writers),
    writer: (method, rows) => writers[method]!(rows),
    async exec(statement) {
      db.exec(statement);
    },
    async number(query) {
      return Number(db.prepare(query).pluck().get() ?? 0);
    },
    async dropTables(prefix) {
      const tables = db
        .prepare("select name from sqlite_master where type = 'table' and substr(name, 1, ?) = ?")
        .pluck()
        .all(prefix.length, prefix) as string[];
      for (const name of tables) db.exec(`drop table if exists "${name}"`);
    },
    async close() {
      db.close();
    },
  };
}
