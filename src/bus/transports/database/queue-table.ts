import { type Generated, type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../../../store/dialects/index.js';

/** The queue table, `<tablePrefix>messages`; several logical queues share it through `queue_name`. */
export interface MessagesTable {
  id: Generated<number>;
  queue_name: string;
  /** The message exactly as sent (routeperf's messages are JSON). */
  body: string;
  /**
   * When it was sent (ms), Messenger's column name kept. Nothing delays messages, so the claim does not
   * read it: a producer whose clock runs ahead must not hold its messages back.
   */
  available_at: number;
  /** When a consumer last claimed it (ms); null while it waits. Deleted once acknowledged. */
  delivered_at: number | null;
  delivery_count: Generated<number>;
}

export interface QueueDatabase {
  messages: MessagesTable;
}

/** Logical name of the queue table, prefixed by the TablePrefixPlugin. */
export const QUEUE_TABLES = ['messages'] as const;

export const QUEUE_NAME_LENGTH = 128;

/**
 * Creates the queue table unless it exists: one statement, index included. Not a store migration: the
 * queue may live in another database than the store. Several processes may run it at once; PostgreSQL's
 * `IF NOT EXISTS` alone can then fail on its catalog's unique keys, so there it runs under an advisory lock.
 */
export async function createQueueTable(
  db: Kysely<QueueDatabase>,
  dialect: StoreDialect,
  prefix: string,
): Promise<void> {
  const table = `${prefix}messages`;
  const create = (target: Kysely<QueueDatabase>) =>
    target.schema
      .createTable('messages')
      .ifNotExists()
      .addColumn('id', dialect.autoIncrementType, dialect.autoIncrement)
      .addColumn('queue_name', dialect.exactText(QUEUE_NAME_LENGTH), (c) => c.notNull())
      .addColumn('body', bodyType(dialect), (c) => c.notNull())
      .addColumn('available_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .addColumn('delivery_count', 'integer', (c) => c.notNull().defaultTo(0))
      // The claim reads one queue in id order: this key is that index. Declared as a constraint because
      // it then comes with CREATE TABLE IF NOT EXISTS everywhere (MySQL has no CREATE INDEX IF NOT EXISTS).
      .addUniqueConstraint(`${table}_claim`, ['queue_name', 'id'])
      // SKIP LOCKED needs InnoDB; utf8mb4 keeps every character of a body.
      .$call((builder) =>
        dialect.name === 'mysql'
          ? builder.modifyEnd(sql`engine = InnoDB default charset = utf8mb4`)
          : builder,
      )
      .execute();
  if (dialect.name !== 'postgres') {
    await create(db);
    return;
  }
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${table}))`.execute(trx);
    await create(trx);
  });
}

/** Text of any length (MySQL's `text` stops at 64 KB), kept byte for byte. */
function bodyType(dialect: StoreDialect) {
  return dialect.name === 'mysql' ? sql`longtext character set utf8mb4 collate utf8mb4_bin` : sql`text`;
}
