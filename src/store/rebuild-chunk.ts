import { type Kysely, sql, type Transaction } from 'kysely';
import { afterRecord, type RecordCursor } from './access-record-batches.js';
import { type BatchPlan, planByRouteId, totalsOfRow } from './batch-plan.js';
import { requestsIn } from './bucket-reads.js';
import { totalsOf } from './bucket-totals.js';
import type { StoreDialect } from './dialects/index.js';
import { decodeBins } from './histogram-blob.js';
import { floorTo, type KeptFrom, type Segment, tile } from './read-plan.js';
import { iso, recordsOf, routeIdsOf, type WindowPlan } from './rebuild-window.js';
import { lockBuckets, lockingRead, rollupState } from './rollup.js';
import { addCount, type RollupTarget, RollupTargets, type RollupWriter } from './rollup-targets.js';
import { BUCKET_MS, type BucketTotals, type Database, RESOLUTIONS } from './tables.js';

/** Access records read per statement: what one rebuild holds in memory at a time. */
const RECORD_PAGE = 10_000;
/** Ids sum modulo this prime in a chunk's fingerprint: exact in a double for 10^9 records. */
const ID_MODULUS = 1_000_003;
/** Minute buckets deleted per statement, as the rollup folds them. */
const MINUTE_KEYS = 500;

/** A part of a window rebuilt in one transaction, and the retention marks it was planned with. */
export interface Chunk {
  from: number;
  to: number;
  keptFrom: KeptFrom;
}

/** What identifies the access records of a chunk: changed, the chunk is read again. */
interface Fingerprint {
  count: number;
  maxId: number;
  idSum: number;
}

/** A chunk's access records counted into the buckets they make, and what they were. */
export interface ChunkRead {
  targets: RollupTargets;
  fingerprint: Fingerprint;
}

/** A select of `rollups` or `rollup_statuses`, narrowed to a segment's buckets of some routes. */
interface SegmentQuery<Q> {
  where(column: 'resolution' | 'bucket' | 'route_id', operator: '=' | '>=' | '<' | 'in', value: unknown): Q;
}

export type Replaced =
  | { outcome: 'written'; requestsBefore: number }
  | { outcome: 'changed' }
  | { outcome: 'retention'; keptFrom: KeptFrom };

/**
 * The chunk's access records, a page at a time, counted into the buckets they make. Each page ends at a
 * whole minute (unless one minute fills it), and its minutes go to the coarser buckets in the order the
 * rollup moves them, by minute then route: a bucket where two routes tie for the most repeated query
 * names the same one.
 */
export async function readChunk(
  db: Kysely<Database>,
  plan: WindowPlan,
  chunk: Chunk,
  nPlusOneThreshold: number,
): Promise<ChunkRead> {
  const targets = new RollupTargets(chunk.keptFrom);
  const fingerprint: Fingerprint = { count: 0, maxId: 0, idSum: 0 };
  let resume: Resume = { from: chunk.from };
  for (;;) {
    const rows = await recordPage(db, plan.environment, chunk.to, resume);
    let page = rows;
    if (rows.length === RECORD_PAGE) {
      const end = rows.at(-1)!;
      const lastMinute = floorTo(Number(end.created_at), BUCKET_MS);
      const whole = rows.findIndex((row) => Number(row.created_at) >= lastMinute);
      if (whole > 0) {
        page = rows.slice(0, whole);
        resume = { from: lastMinute };
      } else resume = { at: Number(end.created_at), id: Number(end.id) };
    }
    const requests = page.map((row) => {
      const id = Number(row.id);
      fingerprint.count += 1;
      fingerprint.maxId = Math.max(fingerprint.maxId, id);
      fingerprint.idSum += id % ID_MODULUS;
      return {
        routeId: Number(row.route_id),
        ts: Number(row.created_at),
        statusCode: Number(row.status_code),
        requestTime: Number(row.request_time),
        queryCount: Number(row.query_count),
        queryTime: Number(row.query_time),
        queryRepeat: row.query_repeat === null ? undefined : Number(row.query_repeat),
        repeatedQuery: row.repeated_query ?? undefined,
        memory: Number(row.memory),
      };
    });
    countInto(targets, planByRouteId(requests, nPlusOneThreshold), plan.totalsId);
    if (rows.length < RECORD_PAGE) return { targets, fingerprint };
  }
}

/** Where the next page of access records starts: at a time, or after a record of a busy minute. */
type Resume = { from: number } | RecordCursor;

/** Up to RECORD_PAGE access records of the routes before `to`, from `resume` on, by time and id. */
function recordPage(db: Kysely<Database>, environment: string, to: number, resume: Resume) {
  let page = db
    .selectFrom('access_records')
    .select([
      'id',
      'route_id',
      'created_at',
      'status_code',
      'request_time',
      'query_count',
      'query_time',
      'query_repeat',
      'repeated_query',
      'memory',
    ])
    .where(recordsOf(environment))
    .where('created_at', '<', to);
  page = 'from' in resume ? page.where('created_at', '>=', resume.from) : page.where(afterRecord(resume));
  return page.orderBy('created_at').orderBy('id').limit(RECORD_PAGE).execute();
}

/**
 * Adds a page's minute rows to the buckets of every resolution, each for its route and for its
 * environment's totals (as the rollup counts them), minute by minute and route by route.
 */
function countInto(targets: RollupTargets, counted: BatchPlan, totalsId: number) {
  const minutes = [...counted.aggregates].sort(
    (a, b) => a.bucket - b.bucket || Number(a.key) - Number(b.key),
  );
  for (const row of minutes) {
    const totals = totalsOfRow(row);
    for (const id of [Number(row.key), totalsId]) targets.addTotals(id, row.bucket, totals);
  }
  for (const [rows, kind] of [
    [counted.statuses, 'statuses'],
    [counted.bins, 'bins'],
  ] as const) {
    for (const row of rows)
      for (const id of [Number(row.key), totalsId])
        targets.addCount(id, row.bucket, kind, row.slot, row.count);
  }
}

/**
 * Replaces the chunk's buckets by those read, when its access records, its environment's routes and the
 * retention marks are still as read; the minute rows of the chunk go, their requests counted in the
 * records. Takes the rollup's lock first, then the chunk's minute rows, so that an ingestion adding to
 * one of them waits for the end and then starts a new one.
 */
export async function replaceChunk(
  trx: Transaction<Database>,
  dialect: StoreDialect,
  writer: RollupWriter,
  plan: WindowPlan,
  chunk: Chunk,
  read: ChunkRead,
): Promise<Replaced> {
  const { from, to, keptFrom } = chunk;
  await lockBuckets(trx, dialect);
  const state = await rollupState(trx);
  if (RESOLUTIONS.some((resolution) => state.keptFrom[resolution] !== keptFrom[resolution]))
    return { outcome: 'retention', keptFrom: state.keptFrom };
  const routeIds = await routeIdsOf(trx, plan.environment);
  if (routeIds.join() !== plan.routeIds.join()) return { outcome: 'changed' };
  const minutes = await lockingRead(
    dialect,
    trx
      .selectFrom('aggregates')
      .select(['route_id', 'bucket'])
      .where('route_id', 'in', routeIds)
      .where('bucket', '>=', from)
      .where('bucket', '<', to),
  ).execute();
  const fingerprint = await fingerprintOf(trx, dialect, plan.environment, from, to);
  const { count, maxId, idSum } = read.fingerprint;
  if (fingerprint.count !== count || fingerprint.maxId !== maxId || fingerprint.idSum !== idSum)
    return { outcome: 'changed' };

  const requestsBefore = await requestsIn(trx, plan.environment, from, to, keptFrom);
  const scope = [...routeIds, plan.totalsId];
  await addOutside(trx, read.targets, scope, chunk);
  for (const resolution of RESOLUTIONS) {
    for (const table of ['rollups', 'rollup_statuses'] as const) {
      await trx
        .deleteFrom(table)
        .where('resolution', '=', resolution)
        .where('bucket', '>=', floorTo(from, resolution))
        .where('bucket', '<', to)
        .where('route_id', 'in', scope)
        .execute();
    }
  }
  const keys = minutes.map((row) => [Number(row.route_id), Number(row.bucket)] as const);
  for (let start = 0; start < keys.length; start += MINUTE_KEYS) {
    const some = keys.slice(start, start + MINUTE_KEYS);
    for (const table of ['aggregates', 'status_counts', 'histogram'] as const)
      await trx.deleteFrom(table).where(dialect.inRouteBuckets(some)).execute();
  }
  await writer.write(trx, read.targets);
  return { outcome: 'written', requestsBefore };
}

/**
 * The chunk's access records as they are now, with the writers of the chunk held back on MySQL (a
 * locking read there reads the latest rows, where a plain one would read the transaction's snapshot).
 */
async function fingerprintOf(
  trx: Transaction<Database>,
  dialect: StoreDialect,
  environment: string,
  from: number,
  to: number,
): Promise<Fingerprint> {
  let query = trx
    .selectFrom('access_records')
    .select((eb) => [
      eb.fn.countAll<number>().as('count'),
      eb.fn.max<number>('id').as('max_id'),
      eb.fn.sum<number>(eb('id', '%', ID_MODULUS)).as('id_sum'),
    ])
    .where(recordsOf(environment))
    .where('created_at', '>=', from)
    .where('created_at', '<', to);
  // MariaDB knows no FOR SHARE; MySQL knows both.
  if (dialect.name === 'mysql') query = query.modifyEnd(sql`lock in share mode`);
  const row = await query.executeTakeFirstOrThrow();
  return { count: Number(row.count), maxId: Number(row.max_id ?? 0), idSum: Number(row.id_sum ?? 0) };
}

/**
 * For each bucket that reaches out of the chunk, adds what it holds outside it: the stored buckets
 * that tile that part, as a read would tile it. Retention deletes each resolution in whole buckets of
 * the next coarser one, so where a bucket is kept, what tiles the rest of it is kept too.
 */
async function addOutside(
  trx: Transaction<Database>,
  targets: RollupTargets,
  scope: readonly number[],
  { from, to, keptFrom }: Chunk,
) {
  for (const resolution of RESOLUTIONS) {
    const edges = new Set([floorTo(from, resolution), floorTo(to - 1, resolution)]);
    for (const bucket of edges) {
      const end = bucket + resolution;
      if ((bucket >= from && end <= to) || bucket < keptFrom[resolution]) continue;
      const before = tile(bucket, from, RESOLUTIONS, keptFrom);
      const after = tile(to, end, RESOLUTIONS, keptFrom);
      const covered = [...before, ...after].reduce((sum, segment) => sum + segment.to - segment.from, 0);
      if (covered !== Math.max(0, from - bucket) + Math.max(0, end - to))
        throw new Error(`The buckets around ${iso(from)}–${iso(to)} do not tile: a bug in the rebuild.`);
      // The chunk's part goes between what the bucket holds before and after it: the bucket sums its
      // parts in time order, as the rollup does, and where two tie for the most repeated query, the
      // earlier one names it.
      const own = scope.flatMap((routeId) => targets.take(resolution, routeId, bucket) ?? []);
      const into = (routeId: number, totals: BucketTotals) =>
        targets.addToBucket(resolution, routeId, bucket, totals);
      for (const segment of before) await addSegment(trx, scope, segment, into);
      for (const part of own) targets.addTarget(part);
      for (const segment of after) await addSegment(trx, scope, segment, into);
    }
  }
}

/** Adds each stored bucket of `segment` (totals, statuses, histogram) to the target `into` gives. */
async function addSegment(
  trx: Transaction<Database>,
  scope: readonly number[],
  segment: Segment,
  into: (routeId: number, totals: BucketTotals) => RollupTarget,
) {
  const inSegment = <Q extends SegmentQuery<Q>>(query: Q) =>
    query
      .where('resolution', '=', segment.resolution)
      .where('bucket', '>=', segment.from)
      .where('bucket', '<', segment.to)
      .where('route_id', 'in', scope);
  const rows = await inSegment(trx.selectFrom('rollups').selectAll())
    .orderBy('bucket')
    .orderBy('route_id')
    .execute();
  const targets = new Map<string, RollupTarget>();
  for (const row of rows) {
    const target = into(Number(row.route_id), totalsOf(row));
    decodeBins(row.latency_bins, (bin, count) => addCount(target.bins, bin, count));
    targets.set(`${row.route_id}:${row.bucket}`, target);
  }
  const statuses = await inSegment(trx.selectFrom('rollup_statuses').selectAll()).execute();
  for (const row of statuses) {
    const target = targets.get(`${row.route_id}:${row.bucket}`);
    if (target) addCount(target.statuses, Number(row.status_code), Number(row.count));
  }
}
