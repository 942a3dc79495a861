import type { ColumnDefinitionBuilder, Dialect, Expression, Kysely, RawBuilder, SqlBool } from 'kysely';
import type { CauseClassifier } from '../../errors.js';
import type { BulkColumn, BulkInsert, FinishInsert } from '../bulk-insert.js';
import type { Database } from '../tables.js';

/**
 * How deduplicated ingestion learns which ids an insert added (see claim-insert.ts): from
 * `INSERT … RETURNING`, or, where the server has none, from a token the insert wrote with them.
 */
export type ClaimMethod = 'returning' | 'claim-token';

/**
 * How a merged column combines the stored value with the incoming one. `{ whenGreater: column }` takes the
 * incoming value when the incoming `column` is greater than the stored one (the shape of a maximum).
 */
export type Merge = 'add' | 'min' | 'max' | 'replace' | { whenGreater: string };

/** Opening the database: the driver (an optional peer), its pool and the pool's listeners. */
export interface DialectConnection {
  /**
   * Opens the driver (imported only now) and returns Kysely's dialect for it. `onConnectionError` hears
   * what a connection reports outside any query (it was closed or reset). `readOnly` connections create
   * nothing, not even a missing SQLite file.
   */
  createDialect(
    url: string,
    onConnectionError: (error: unknown) => void,
    options?: { readOnly?: boolean },
  ): Promise<Dialect>;
}

/** What the migrations (and the queue's table) write differently, and how they find existing tables. */
export interface DialectSchema {
  /** Column definition of an auto-increment primary key. */
  autoIncrement(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** Type name of an auto-increment key column. */
  readonly autoIncrementType: 'integer' | 'bigserial' | 'bigint';
  /**
   * Type of a text column compared character for character (route identities, request ids): `/Users` and
   * `/users` are two routes, and two request ids differing in case are two requests.
   */
  exactText(length: number): Expression<unknown>;
  /** Type name of a column of bytes (encoded histograms): at most 64 KiB on MySQL, which is ample. */
  readonly binaryType: 'blob' | 'bytea';
  /** Which of `names` exist as tables, resolved the way an unqualified name in a query would be. */
  existingTables(names: readonly string[]): RawBuilder<{ name: string }>;
}

/** The statements of ingestion: upserts, bulk inserts, and how an insert tells which ids it added. */
export interface DialectWrites {
  /** Bound parameters one statement may carry; multi-row statements are chunked below it. */
  readonly maxParameters: number;
  /**
   * Turns a multi-row INSERT into an upsert: on a conflict on `key`, each column in `merge` combines as
   * told. `table` is the logical table name.
   */
  upsert<Q extends Upsertable>(
    insert: Q,
    table: string,
    key: readonly string[],
    merge: Record<string, Merge>,
  ): Q;
  /**
   * A statement writing many rows of `columns` into `table` at once, prepared now and run for every
   * batch; `finish` adds its ON CONFLICT clause or RETURNING.
   */
  bulkInsert(
    db: Kysely<Database>,
    table: keyof Database,
    columns: readonly BulkColumn[],
    finish: FinishInsert,
  ): BulkInsert;
  /**
   * `(route_id, bucket) in (…)`: exactly the rows of these routes' buckets, in any of the bucket tables,
   * written the way this database looks them up by key.
   */
  inRouteBuckets(keys: readonly (readonly [number, number])[]): Expression<SqlBool>;
  /** Turns a multi-row INSERT into one that skips rows whose unique key already exists. */
  insertIgnoringDuplicates<Q extends Upsertable>(insert: Q, key: readonly string[]): Q;
  /** How this server's inserts tell which ids they added; asked once per store, once connected. */
  claimMethod(db: Kysely<Database>, url: string): Promise<ClaimMethod>;
}

/**
 * What differs between the SQL databases routeperf stores into, one file per role in each dialect's
 * folder. Everything else is plain Kysely, written once in the Store and the Ingestor.
 */
export interface StoreDialect extends DialectConnection, DialectSchema, DialectWrites {
  readonly name: 'sqlite' | 'postgres' | 'mysql';
  /**
   * What an error of this dialect's driver means (see ErrorCause); undefined for any other error. An
   * `overloaded` one is worth running the transaction again at once.
   */
  readonly classifyError: CauseClassifier;
  /**
   * Runs one read of the reports (many small aggregates, a few statements) on the connection it gives
   * `read`, set up for such reads.
   */
  readSession<T>(db: Kysely<Database>, read: (db: Kysely<Database>) => Promise<T>): Promise<T>;
}

/** A read session as it comes: the pool's connections as they are. */
export const plainReadSession: StoreDialect['readSession'] = (db, read) => read(db);

/** The subset of Kysely's InsertQueryBuilder the dialects need; kept loose for every table type. */
export interface Upsertable {
  onConflict(callback: (builder: any) => any): any;
  onDuplicateKeyUpdate(update: any): any;
  ignore(): any;
}
