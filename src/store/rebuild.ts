import { setTimeout } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { requestsIn } from './bucket-reads.js';
import type { StoreDialect } from './dialects/index.js';
import { setValidFrom, totalsValidFrom } from './environment-totals.js';
import { finestKept, floorTo, type KeptFrom } from './read-plan.js';
import { type Replaced, readChunk, replaceChunk } from './rebuild-chunk.js';
import {
  chunkEnd,
  environmentsOf,
  iso,
  planWindow,
  type RebuildWindow,
  routeIdsOf,
  type WindowPlan,
} from './rebuild-window.js';
import { foldedBefore, type Rollup, rollupState } from './rollup.js';
import type { Database } from './tables.js';
import { transact } from './transact.js';

export interface RebuildOptions extends RebuildWindow {
  /** Only count what the window holds and how many access records it would be rebuilt from. */
  dryRun?: boolean;
  /** Hears how many access records have been read so far, of how many. */
  onProgress?: (done: number, total: number) => void;
  /**
   * About how many access records each transaction rebuilds from (at least an hour's or a day's): fewer
   * hold the locks for less time, more go faster. Default 20,000.
   */
  chunkRecords?: number;
}

/** What a rebuild did (or, dry, would do) to one environment. */
export interface EnvironmentRebuild {
  environment: string;
  /** The window [from, to) in ms: whole buckets of the finest resolution kept at each end. */
  from: number;
  to: number;
  /** The access records it was rebuilt from: the requests the window holds now. */
  accessRecords: number;
  /** The requests its buckets held before. */
  requestsBefore: number;
}

export interface RebuildResult {
  environments: EnvironmentRebuild[];
  /** Environments with nothing to rebuild from, and why. */
  skipped: { environment: string; reason: string }[];
}

/**
 * On SQLite, the pause after each chunk's transaction: longer than the longest sleep of SQLite's busy
 * handler (100 ms), so that a writer waiting for the file's lock (the app, a worker) takes it between two
 * chunks rather than waiting until the end of the rebuild, and failing.
 */
const SQLITE_WRITER_GAP_MS = 120;
/** Access records per chunk, by default (see `chunkRecords`). */
const CHUNK_RECORDS = 20_000;
/** How many times a chunk is read again when access records or routes changed before it was written. */
const CHUNK_ATTEMPTS = 10;

/**
 * Recomputes the rolled-up buckets of a window from the access records: for when the buckets went wrong
 * (an outage that counted a redelivery twice, a restored backup), or `nPlusOneThreshold` changed. Every
 * bucket of every kept resolution inside the window is replaced by what its access records make, counted
 * as ingestion counts them and summed as the rollup sums them; a coarser bucket that reaches out of the
 * window keeps what it held outside it (summed again from the finer buckets there).
 *
 * The window goes in chunks of about `chunkRecords` access records (whole hours, or whole days where
 * minute buckets are no longer kept), each read first without any lock, then replaced in one short transaction that holds the rollup's lock and the chunk's
 * minute rows, and checks that the chunk's access records and routes are still those it read: a request
 * ingested meanwhile is counted by the chunk, or left in its minute row for the next rollup, never both.
 * A rebuild stopped half way leaves whole chunks; running it again gives the same buckets.
 */
export class Rebuild {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    private readonly rollup: Rollup,
    private readonly nPlusOneThreshold: number,
  ) {}

  async run(options: RebuildOptions, now = Date.now()): Promise<RebuildResult> {
    // Everything before the previous minute moves out of the minute tables, and expired buckets go, so
    // that what the window holds is in the rolled-up buckets, at the resolutions retention keeps.
    if (!options.dryRun) await this.rollup.run(now);
    let { keptFrom } = await rollupState(this.db);
    const result: RebuildResult = { environments: [], skipped: [] };
    const plans: WindowPlan[] = [];
    for (const environment of await environmentsOf(this.db, options.environment)) {
      const plan = await planWindow(this.db, this.dialect, environment, options, keptFrom, foldedBefore(now));
      if (typeof plan === 'string') result.skipped.push({ environment, reason: plan });
      else plans.push(plan);
    }
    const total = plans.reduce((sum, plan) => sum + plan.records, 0);
    let done = 0;
    const progress = (records: number) => {
      done += records;
      options.onProgress?.(done, total);
    };
    for (const plan of plans) {
      const summary = {
        environment: plan.environment,
        from: plan.from,
        to: plan.to,
        accessRecords: plan.records,
      };
      if (options.dryRun) {
        const requestsBefore = await requestsIn(this.db, plan.environment, plan.from, plan.to, keptFrom);
        result.environments.push({ ...summary, requestsBefore });
        continue;
      }
      const budget = options.chunkRecords ?? CHUNK_RECORDS;
      const written = await this.#rebuildWindow(plan, keptFrom, budget, progress);
      keptFrom = written.keptFrom;
      result.environments.push({ ...summary, requestsBefore: written.requestsBefore });
      await this.#extendTotals(plan, foldedBefore(now));
    }
    return result;
  }

  /** Rebuilds the window chunk by chunk; returns what it held before and the retention marks it ended with. */
  async #rebuildWindow(
    plan: WindowPlan,
    keptFrom: KeptFrom,
    budget: number,
    progress: (records: number) => void,
  ) {
    let kept = keptFrom;
    let requestsBefore = 0;
    for (let from = plan.from; from < plan.to; ) {
      const to = await chunkEnd(this.db, plan, from, kept, budget);
      const replaced = await this.#rebuildChunk(plan, from, to, kept, progress);
      if (replaced.outcome === 'retention') {
        // Retention deleted buckets meanwhile: go on from the start of the finest resolution left there.
        kept = replaced.keptFrom;
        from = floorTo(from, finestKept(from, kept));
        continue;
      }
      requestsBefore += replaced.requestsBefore;
      from = to;
    }
    return { requestsBefore, keptFrom: kept };
  }

  async #rebuildChunk(
    plan: WindowPlan,
    from: number,
    to: number,
    keptFrom: KeptFrom,
    progress: (records: number) => void,
  ): Promise<Exclude<Replaced, { outcome: 'changed' }>> {
    for (let attempt = 1; ; attempt++) {
      const chunk = { from, to, keptFrom };
      const read = await readChunk(this.db, plan, chunk, this.nPlusOneThreshold);
      const replaced = await transact(this.db, this.dialect, (trx) =>
        replaceChunk(trx, this.dialect, this.rollup.writer, plan, chunk, read),
      );
      if (this.dialect.name === 'sqlite') await setTimeout(SQLITE_WRITER_GAP_MS);
      if (replaced.outcome !== 'changed') {
        if (replaced.outcome === 'written') progress(read.fingerprint.count);
        return replaced;
      }
      // A route may have come: the next attempt counts it in.
      plan.routeIds = await routeIdsOf(this.db, plan.environment);
      if (attempt >= CHUNK_ATTEMPTS)
        throw new Error(
          `The access records of environment "${plan.environment}" from ${iso(from)} to ${iso(to)} changed ${CHUNK_ATTEMPTS} times while they were read; run the rebuild again when fewer are written there.`,
        );
    }
  }

  /**
   * When the window reaches the minutes still being written, the environment's totals are the sums of its
   * routes from its start on: reads of the whole environment from then on use them again.
   */
  async #extendTotals(plan: WindowPlan, cutoff: number) {
    if (plan.to < cutoff) return;
    const validFrom = await totalsValidFrom(this.db, plan.totalsId);
    if (validFrom === undefined || validFrom > plan.from)
      await transact(this.db, this.dialect, (trx) =>
        setValidFrom(trx, this.dialect, plan.totalsId, plan.from),
      );
  }
}
