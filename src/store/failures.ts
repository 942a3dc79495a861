import type { Kysely, Selectable } from 'kysely';
import { redactDsn } from '../dsn.js';
import { DELETE_BATCH, deleteInBatches } from './batched-delete.js';
import type { FailureSink, NewFailedMessage } from './sink.js';
import type { Database } from './tables.js';

/** A message a worker gave up on, as the failure store keeps it. */
export interface FailedMessage extends NewFailedMessage {
  id: number;
  failedAt: Date;
}

/**
 * The failure store: messages that exhausted their retries or can never be stored, kept in the store's
 * own database (as Messenger's `doctrine://` failure transport does), for `routeperf failed …`.
 */
export class FailureLog implements FailureSink {
  constructor(private readonly db: Kysely<Database>) {}

  async add(messages: readonly NewFailedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const now = Date.now();
    await this.db
      .insertInto('failed_messages')
      .values(
        messages.map((m) => ({
          message_id: m.messageId,
          body: m.body,
          error: m.error.slice(0, 10_000),
          transport: redactDsn(m.transport).slice(0, 512),
          attempts: m.attempts,
          failed_at: now,
        })),
      )
      .execute();
  }

  /** Oldest first. */
  async list(options: { limit?: number; offset?: number } = {}): Promise<FailedMessage[]> {
    const rows = await this.db
      .selectFrom('failed_messages')
      .selectAll()
      .orderBy('id')
      .limit(options.limit ?? 100)
      .offset(options.offset ?? 0)
      .execute();
    return rows.map(toFailedMessage);
  }

  async get(ids: readonly number[]): Promise<FailedMessage[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('failed_messages')
      .selectAll()
      .where('id', 'in', ids)
      .orderBy('id')
      .execute();
    return rows.map(toFailedMessage);
  }

  /** Removes the given ids, or every failed message; returns how many went. */
  async remove(ids: readonly number[] | 'all'): Promise<number> {
    if (ids !== 'all' && ids.length === 0) return 0;
    let query = this.db.deleteFrom('failed_messages');
    if (ids !== 'all') query = query.where('id', 'in', ids);
    const [result] = await query.execute();
    return Number(result?.numDeletedRows ?? 0);
  }

  /** Deletes the failed messages older than `olderThan` (ms epoch), in batches; returns how many. */
  async purge(olderThan: number, onBatch?: (deleted: number) => void): Promise<number> {
    return deleteInBatches(
      this.db,
      'failed_messages',
      () =>
        this.db
          .selectFrom('failed_messages')
          .select('id')
          .where('failed_at', '<', olderThan)
          .limit(DELETE_BATCH),
      onBatch,
    );
  }

  /** How many failed messages there are, or of those older than `olderThan` (ms epoch). */
  async count(olderThan?: number): Promise<number> {
    const row = await this.db
      .selectFrom('failed_messages')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .$if(olderThan !== undefined, (query) => query.where('failed_at', '<', olderThan!))
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }
}

function toFailedMessage(row: Selectable<Database['failed_messages']>): FailedMessage {
  return {
    id: Number(row.id),
    messageId: row.message_id,
    body: row.body,
    error: row.error,
    // A row written by an older routeperf may still hold a password.
    transport: redactDsn(row.transport),
    attempts: Number(row.attempts),
    failedAt: new Date(Number(row.failed_at)),
  };
}
