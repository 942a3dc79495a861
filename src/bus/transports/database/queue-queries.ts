import type { CompiledQuery, Kysely, SelectQueryBuilder } from 'kysely';
import { sql } from 'kysely';
import type { StoreDialect } from '../../../store/dialects/index.js';
import type { ReceivedMessage, TransportStats } from '../../transport.js';
import type { QueueDatabase } from './queue-table.js';

/**
 * The queue's statements, the same on every database but for the claim's lock clause. `db` is a Kysely
 * whose prefix plugin knows the logical table `messages` (the transport's own, or the store's transaction).
 */
export class QueueQueries {
  constructor(
    private readonly dialect: StoreDialect,
    private readonly queue: string,
  ) {}

  /**
   * One multi-row INSERT, or when the bodies exceed what one statement may carry, one per chunk in a
   * transaction: a send is taken whole or not at all.
   */
  async insert(db: Kysely<QueueDatabase>, bodies: readonly string[], now: number): Promise<void> {
    const chunks = chunkBodies(
      bodies,
      Math.floor(this.dialect.maxParameters / 3),
      this.dialect.name === 'mysql' ? MAX_MYSQL_CHUNK_CHARS : Number.POSITIVE_INFINITY,
    );
    const write = (target: Kysely<QueueDatabase>, chunk: readonly string[]) =>
      target
        .insertInto('messages')
        .values(chunk.map((body) => ({ queue_name: this.queue, body, available_at: now })))
        .execute();
    if (chunks.length === 1) await write(db, chunks[0]!);
    else
      await db.transaction().execute(async (trx) => {
        for (const chunk of chunks) await write(trx, chunk);
      });
  }

  /**
   * Claims up to `max` messages, oldest first: those never delivered, and those delivered before
   * `expiredBefore` (their consumer died). PostgreSQL and MariaDB read them with `FOR UPDATE SKIP LOCKED`
   * in a short transaction, so concurrent claims pass over each other's rows instead of waiting for them or
   * taking them too. SQLite has no row locks: its claim is one `UPDATE … RETURNING`, atomic under the
   * database's single write lock, and never holds that lock across an await (another connection of the
   * same process waiting for it would block the event loop that has to release it).
   */
  async claim(
    db: Kysely<QueueDatabase>,
    max: number,
    now: number,
    expiredBefore: number,
  ): Promise<ReceivedMessage[]> {
    const claimable = <O>(query: SelectQueryBuilder<QueueDatabase, 'messages', O>) =>
      query
        .where('queue_name', '=', this.queue)
        .where((eb) => eb.or([eb('delivered_at', 'is', null), eb('delivered_at', '<', expiredBefore)]))
        .orderBy('id')
        .limit(max);
    const deliver = (target: Kysely<QueueDatabase>) =>
      target
        .updateTable('messages')
        .set((eb) => ({ delivered_at: now, delivery_count: eb('delivery_count', '+', 1) }));

    if (this.dialect.name === 'sqlite') {
      const rows = await deliver(db)
        .where('id', 'in', (eb) => claimable(eb.selectFrom('messages').select('id')))
        .returning(['id', 'body', 'delivery_count'])
        .execute();
      return rows
        .sort((a, b) => a.id - b.id)
        .map((row) => received(row.id, row.body, row.delivery_count - 1));
    }

    let transaction = db.transaction();
    // MariaDB's default REPEATABLE READ would keep locks on the index gaps it scanned until commit.
    if (this.dialect.name === 'mysql') transaction = transaction.setIsolationLevel('read committed');
    const rows = await transaction.execute(async (trx) => {
      // Without statistics (a queue table just filled, or usually empty) PostgreSQL picks a bitmap scan of
      // the whole queue and a sort, per claim; the ordered index scan is what a claim of the oldest rows needs.
      if (this.dialect.name === 'postgres') await sql`set local enable_bitmapscan = off`.execute(trx);
      const claimed = await claimable(trx.selectFrom('messages').select(['id', 'body', 'delivery_count']))
        .forUpdate()
        .skipLocked()
        .execute();
      await this.#byIds(
        claimed.map((row) => row.id),
        (ids) => deliver(trx).where('id', 'in', ids).execute(),
      );
      return claimed;
    });
    return rows.map((row) => received(row.id, row.body, row.delivery_count));
  }

  /** The DELETEs that acknowledge `ids`, compiled for `db`'s dialect and table names, to run on any connection. */
  deletions(db: Kysely<QueueDatabase>, ids: readonly number[]): CompiledQuery[] {
    return this.#slices(ids).map((chunk) => db.deleteFrom('messages').where('id', 'in', chunk).compile());
  }

  async delete(db: Kysely<QueueDatabase>, ids: readonly number[]): Promise<void> {
    for (const deletion of this.deletions(db, ids)) await db.executeQuery(deletion);
  }

  release(db: Kysely<QueueDatabase>, ids: readonly number[]): Promise<void> {
    return this.#byIds(ids, (chunk) =>
      db.updateTable('messages').set({ delivered_at: null }).where('id', 'in', chunk).execute(),
    );
  }

  async stats(db: Kysely<QueueDatabase>): Promise<TransportStats> {
    const row = await db
      .selectFrom('messages')
      .select((eb) => [eb.fn.countAll().as('total'), eb.fn.count('delivered_at').as('delivered')])
      .where('queue_name', '=', this.queue)
      .executeTakeFirstOrThrow();
    const delivered = Number(row.delivered);
    return { pending: Number(row.total) - delivered, inFlight: delivered };
  }

  /** Runs `statement` over slices of `ids` small enough for the dialect's parameter limit. */
  async #byIds(ids: readonly number[], statement: (chunk: number[]) => Promise<unknown>): Promise<void> {
    for (const chunk of this.#slices(ids)) await statement(chunk);
  }

  #slices(ids: readonly number[]): number[][] {
    const slices: number[][] = [];
    for (let start = 0; start < ids.length; start += this.dialect.maxParameters)
      slices.push(ids.slice(start, start + this.dialect.maxParameters));
    return slices;
  }
}

/** `handle` is the row id (PostgreSQL returns bigint as a string). */
function received(id: number | string, body: string, redeliveries: number | string): ReceivedMessage {
  return { body, handle: Number(id), redeliveries: Number(redeliveries) };
}

/**
 * MariaDB refuses a statement larger than `max_allowed_packet` (16 MB by default; a character takes up to
 * 4 bytes), whatever the parameter limit.
 */
const MAX_MYSQL_CHUNK_CHARS = 2_000_000;

/** Slices of `bodies` of at most `maxRows` rows and `maxChars` characters (or one body, when larger). */
function chunkBodies(bodies: readonly string[], maxRows: number, maxChars: number): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let chars = 0;
  for (const body of bodies) {
    if (chunk.length > 0 && (chunk.length >= maxRows || chars + body.length > maxChars)) {
      chunks.push(chunk);
      chunk = [];
      chars = 0;
    }
    chunk.push(body);
    chars += body.length;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
