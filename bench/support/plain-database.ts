/**
 * The store's database through its bare driver (pg, better-sqlite3), without routeperf or Kysely: for
 * the raw insert limit, for counting what the worker stored, and for dropping a run's tables.
 */
import type { RequestMetrics } from '../../src/record/metrics.js';
import { ACCESS_RECORD_COLUMNS, accessRecordValues } from '../../src/store/tables.js';

export interface PlainDatabase {
  /** Column type of an auto-increment primary key. */
  readonly serialKey: string;
  /** The bind parameter at `index` (from 0) of a statement. */
  placeholder(index: number): string;
  exec(statement: string): Promise<void>;
  /** One multi-row INSERT in a transaction of its own. */
  insertInTransaction(statement: string, values: unknown[]): Promise<void>;
  /** The first column of the first row, as a number. */
  number(query: string): Promise<number>;
  /** Drops every table whose name starts with `prefix`. */
  dropTables(prefix: string): Promise<void>;
  close(): Promise<void>;
}

/** Rows of one table, made from request metrics, for the raw insert limit. */
export interface RawRows {
  /** The table, created already. */
  table: string;
  columns: readonly string[];
  values(metrics: RequestMetrics): unknown[];
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
    columns: ['ts', 'method', 'route', 'status_code', 'request_time'],
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
  return {
    table,
    columns: ACCESS_RECORD_COLUMNS.map(([name]) => name),
    values: (m) => accessRecordValues(m, routeId(m)),
  };
}

/**
 * Rows per second for `metrics` written as `rows` by plain multi-row INSERTs of `batchSize` rows (no
 * upsert, no conflict handling), one transaction per batch, each statement prepared once: what the
 * database itself can take, the yardstick for the worker.
 */
export async function rawInsertRate(
  db: PlainDatabase,
  rows: RawRows,
  metrics: readonly RequestMetrics[],
  batchSize: number,
): Promise<number> {
  const width = rows.columns.length;
  const statements = new Map<number, string>();
  const statementFor = (count: number) => {
    let statement = statements.get(count);
    if (!statement) {
      const tuples = Array.from({ length: count }, (_, row) => {
        const first = row * width;
        return `(${rows.columns.map((_, column) => db.placeholder(first + column)).join(', ')})`;
      });
      statement = `insert into "${rows.table}" (${rows.columns.join(', ')}) values ${tuples.join(', ')}`;
      statements.set(count, statement);
    }
    return statement;
  };

  const started = performance.now();
  for (let start = 0; start < metrics.length; start += batchSize) {
    const values: unknown[] = [];
    const end = Math.min(start + batchSize, metrics.length);
    for (let i = start; i < end; i++) values.push(...rows.values(metrics[i]!));
    await db.insertInTransaction(statementFor(end - start), values);
  }
  return metrics.length / ((performance.now() - started) / 1000);
}

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
  return {
    serialKey: 'bigserial primary key',
    placeholder: (index) => `$${index + 1}`,
    async exec(statement) {
      await client.query(statement);
    },
    async insertInTransaction(statement, values) {
      await client.query('begin');
      try {
        await client.query({ name: nameOf(statement), text: statement, values });
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      }
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

export async function openSqlite(path: string): Promise<PlainDatabase> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path);
  // The store's own settings (see the SQLite dialect): the same durability for both writers.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const prepared = new Map<string, import('better-sqlite3').Statement>();
  const prepare = (statement: string) => {
    let found = prepared.get(statement);
    if (!found) {
      found = db.prepare(statement);
      prepared.set(statement, found);
    }
    return found;
  };
  return {
    serialKey: 'integer primary key',
    placeholder: () => '?',
    async exec(statement) {
      db.exec(statement);
    },
    async insertInTransaction(statement, values) {
      const insert = prepare(statement);
      db.transaction(() => insert.run(values))();
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
