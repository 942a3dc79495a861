import { Kysely, sql } from 'kysely';
import type { ErrorCause } from '../../../errors.js';
import { waitingWhileBusy } from '../../../store/dialects/shared/lock-wait.js';
import { errorCause } from '../../../store/errors.js';
import type { SharedTransaction } from '../../../store/sink.js';
import { TablePrefixPlugin } from '../../../store/table-prefix-plugin.js';
import type { ReceivedMessage, Transport, TransportStats } from '../../transport.js';
import type { QueueOptions } from './options.js';
import { PostgresListener } from './postgres-listener.js';
import { QueueQueries } from './queue-queries.js';
import { createQueueTable, QUEUE_TABLES, type QueueDatabase } from './queue-table.js';
import { Wakeup } from './wakeup.js';

/**
 * A queue in a SQL table, `<tablePrefix>messages` (what Messenger's `doctrine://default` is for Symfony):
 * `database://default` keeps it in the store's own database, where storing a batch and deleting its queue
 * rows commit together; `postgres://…`, `mysql://…` or `sqlite:…` put it in another database.
 *
 * A receive claims a batch by marking its rows delivered; acknowledging deletes them, and rows delivered
 * longer ago than `redeliveryTimeout` (their consumer died) are claimed again. On PostgreSQL and MariaDB
 * any number of workers share a queue, each claiming rows the others have not locked (`SKIP LOCKED`), and
 * PostgreSQL wakes waiting workers with LISTEN/NOTIFY; the others poll every `pollInterval` ms while the
 * queue is empty.
 *
 * SQLite supports ONE consumer per queue; a second one is not supported. Its claims would not overlap
 * (each is one atomic UPDATE), but SQLite has a single writer: consumers only take turns for the write lock
 * (each waiting at most LOCK_WAIT_MS), so a second one gains nothing and slows the first. More workers
 * need PostgreSQL, MariaDB or Redis.
 *
 * The connection opens at the first call, so creating the transport never fails for a database that is
 * down; calls then fail as fast as the driver's connect timeout.
 */
export class DatabaseTransport implements Transport {
  readonly description: string;
  readonly durable = true;

  causeOf(error: unknown): ErrorCause {
    return errorCause(error);
  }
  readonly #queries: QueueQueries;
  readonly #prefix: TablePrefixPlugin;
  readonly #wakeup = new Wakeup();
  readonly #listener: PostgresListener | undefined;
  #db?: Promise<Kysely<QueueDatabase>>;
  #closing?: Promise<void>;

  constructor(private readonly options: QueueOptions) {
    this.description = options.description;
    this.#queries = new QueueQueries(options.dialect, options.queue);
    this.#prefix = new TablePrefixPlugin(options.tablePrefix, QUEUE_TABLES);
    if (options.dialect.name === 'postgres') {
      this.#listener = new PostgresListener(
        options.database,
        this.#channel,
        options.queue,
        () => this.#wakeup.wake(),
        options.onBackgroundError,
      );
    }
  }

  async setup(): Promise<void> {
    await this.#run((db) => createQueueTable(db, this.options.dialect, this.options.tablePrefix));
  }

  async send(messages: readonly string[]): Promise<void> {
    if (messages.length === 0) return;
    const now = Date.now();
    await this.#run((db) => this.#queries.insert(db, messages, now));
    this.#wakeup.wake();
    if (this.#listener) {
      // The rows are in: a lost notification only delays the workers to their next poll.
      await this.#run((db) =>
        sql`select pg_notify(${this.#channel}, ${this.options.queue})`.execute(db),
      ).catch(this.options.onBackgroundError);
    }
  }

  async receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + waitMs;
    this.#listener?.listen();
    while (max >= 1 && !this.#closing) {
      const seen = this.#wakeup.count;
      const messages = await this.#run((db) => {
        const now = Date.now();
        return this.#queries.claim(db, max, now, now - this.options.redeliveryTimeout);
      });
      if (messages.length > 0) return messages;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await this.#wakeup.sleep(Math.min(left, this.options.pollInterval), seen);
    }
    return [];
  }

  async ack(messages: readonly ReceivedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.#run((db) => this.#queries.delete(db, idsOf(messages)));
  }

  /** Deletes the rows in the store's transaction, through its connection, when the queue is beside the store. */
  acknowledgeInStore(
    messages: readonly ReceivedMessage[],
  ): ((transaction: SharedTransaction) => Promise<void>) | undefined {
    if (!this.options.sharesStore) return undefined;
    const ids = idsOf(messages);
    // Compiled on the queue's own connection, so that the queue table carries this transport's prefix.
    return async (transaction) => {
      for (const deletion of this.#queries.deletions(await this.#open(), ids)) {
        await transaction.executeQuery(deletion);
      }
    };
  }

  async release(messages: readonly ReceivedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.#run((db) => this.#queries.release(db, idsOf(messages)));
    this.#wakeup.wake();
  }

  async stats(): Promise<TransportStats> {
    return this.#run((db) => this.#queries.stats(db));
  }

  /** Wakes a waiting receive (which returns nothing) and closes the connections; safe to call again. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#wakeup.wake();
      await this.#listener?.close();
      const db = this.#db;
      this.#db = undefined;
      await (await db?.catch(() => undefined))?.destroy();
    })();
    return this.#closing;
  }

  get #channel(): string {
    return `${this.options.tablePrefix}messages`;
  }

  /**
   * Runs `work` on the queue's connection, again after a short pause while the database is busy or
   * reports a deadlock (see waitingWhileBusy). On SQLite each statement already waits out the write lock
   * this way (see ImmediateSqliteDialect); on PostgreSQL and MariaDB a deadlock's victim runs again.
   */
  #run<T>(work: (db: Kysely<QueueDatabase>) => Promise<T>): Promise<T> {
    return waitingWhileBusy(
      async () => work(await this.#open()),
      (error) => this.options.dialect.classifyError(error) === 'overloaded',
    );
  }

  #open(): Promise<Kysely<QueueDatabase>> {
    if (this.#closing) return Promise.reject(new Error(`routeperf transport ${this.description} is closed`));
    if (this.#db) return this.#db;
    const db = this.options.dialect
      .createDialect(this.options.database, this.options.onBackgroundError)
      .then((dialect) => new Kysely<QueueDatabase>({ dialect, plugins: [this.#prefix] }));
    this.#db = db;
    // A failure (driver missing, file not writable) is tried again by the next call rather than remembered.
    db.catch(() => {
      if (this.#db === db) this.#db = undefined;
    });
    return db;
  }
}

function idsOf(messages: readonly ReceivedMessage[]): number[] {
  return messages.map((message) => message.handle as number);
}
