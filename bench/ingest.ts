/**
 * `npm run bench:ingest`: how fast asynchronous mode moves request metrics from the app into the store.
 * For each durable transport × store (PostgreSQL, SQLite) × access records (off, on), in this process, the
 * N messages go in `--rounds` slices; each round, on the round's slice:
 *
 * 1. producer: the slice dispatched to the app's Producer, which encodes the messages and sends them in
 *    batches of 500, one send at a time; timed until the transport has them all.
 * 2. worker: one `startWorker` with `limit` = the slice drains the full transport into the store; timed.
 * 3. raw: the same number of rows written by the bare driver into the same database with hand-written SQL,
 *    in batches of the worker's batch size, one transaction each, once per plain method the database
 *    offers (see support/plain-database.ts: on PostgreSQL the worker's `unnest` arrays and a multi-row
 *    VALUES; on SQLite a prepared single-row insert in a loop and a multi-row VALUES). Each method writes
 *    its own table. With access records on, the rows are the access records the worker writes, every
 *    column, into an `access_records` table the store's migrations made (its keys and indexes included);
 *    with them off the worker keeps no record of a request (only its message id in the deduplication
 *    ledger, and the minute's totals), and the yardstick is a narrow row per message into a table with
 *    only a primary key, what a naive "one row per request" store would write.
 *
 * The worker and the raw methods take turns, in an order that rotates from round to round, so that they
 * see the same machine; the figures are the medians of the rounds, the yardstick the fastest method by
 * its median, and the worker/raw ratio the median of the rounds' ratios. After the last round what the
 * store holds is counted and must equal N exactly (and nothing may be left in the transport).
 *
 *   npm run bench:ingest -- [--messages 200000] [--transports redis,amqp,database-pg,database-sqlite]
 *     [--stores postgres,sqlite] [--access-records off,on] [--batch-size 1000] [--concurrency 2]
 *     [--time-limit 120] [--rounds 3]
 *
 * `database-pg` and `database-sqlite` are `database://default`: the queue table in the store's own
 * database, so each goes with its store only. Every run has its own table prefix, stream, queue and SQLite
 * file, and deletes them at the end; a service that cannot be reached skips its runs. It measures and
 * prints; it asserts nothing about speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestMetrics } from '../src/record/metrics.js';
import { consume, message, produce, rotated, slices } from './support/ingest-phases.js';
import {
  detailTable,
  type Figures,
  notes,
  type Run,
  summaryTable,
  verdicts,
} from './support/ingest-report.js';
import { openRun, rawTables } from './support/ingest-run.js';
import {
  readSettings,
  SERVICE_NAMES,
  SERVICES,
  type Service,
  type Settings,
  type StoreName,
  TRANSPORTS,
  type TransportKind,
  type TransportName,
} from './support/ingest-settings.js';
import { generateTraffic } from './support/messages.js';
import { rawInsertRate } from './support/plain-database.js';
import { count, currentLoad, loadAverage, machine, unreachable } from './support/report.js';

async function measure(
  transportName: TransportName,
  storeName: StoreName,
  accessRecords: boolean,
  metrics: RequestMetrics[],
  settings: Settings,
  dir: string,
): Promise<Figures> {
  const run = await openRun(storeName, transportName, accessRecords, dir, settings);
  interrupted.cleanUp = run.cleanUp;
  try {
    await run.store.migrate();
    const tables = await rawTables(run, accessRecords);
    const figures: Figures = {
      producer: [],
      worker: [],
      workerCpu: [],
      raw: Object.fromEntries(run.plain.methods.map((method) => [method, []])),
      handled: 0,
      failures: 0,
      stored: 0,
      records: null,
      left: 0,
      load: '',
    };
    const writers = new Map([...tables].map(([method, rows]) => [method, run.plain.writer(method, rows)]));
    for (const [round, slice] of slices(metrics, settings.rounds).entries()) {
      progress(`round ${round + 1} of ${settings.rounds}: producing`);
      const producer = await run.openTransportOf(`producer-${round}`);
      figures.producer.push(await produce(producer, slice, settings.timeLimitMs));
      await run.closeTransport(producer);
      for (const phase of rotated(['worker', ...run.plain.methods], round)) {
        progress(
          `round ${round + 1} of ${settings.rounds}: ${phase === 'worker' ? 'worker' : `raw ${phase}`}`,
        );
        if (phase !== 'worker') {
          const rows = tables.get(phase)!;
          figures.raw[phase]!.push(await rawInsertRate(writers.get(phase)!, rows, slice, settings.batchSize));
          continue;
        }
        const transport = await run.openTransportOf(`worker-${round}`);
        const worker = await consume(transport, run.store, slice.length, settings);
        figures.worker.push(worker.rate);
        figures.workerCpu.push(worker.cpu);
        figures.handled += worker.summary.handled;
        figures.failures += worker.summary.failed;
        figures.left = worker.left;
        await run.closeTransport(transport);
      }
    }
    figures.stored = await run.plain.number(storedRequests(run.names.tablePrefix));
    const prefix = run.names.tablePrefix;
    if (accessRecords)
      figures.records = await run.plain.number(`select count(*) from "${prefix}access_records"`);
    figures.load = currentLoad();
    return figures;
  } finally {
    await run.cleanUp();
    interrupted.cleanUp = undefined;
  }
}

/**
 * Requests the store counted, in one statement (one snapshot): SUM(count) of the minute buckets still in
 * `aggregates`, plus those the store's rollup (every minute, after writes) already moved into minute rows
 * of `rollups` (resolution 60,000 ms), the routes' own rows only: not the rows of the environment's totals
 * (method `*`), which count the same requests again.
 */
function storedRequests(prefix: string): string {
  return (
    `select (select coalesce(sum("count"), 0) from "${prefix}aggregates") + ` +
    `(select coalesce(sum(r."count"), 0) from "${prefix}rollups" r join "${prefix}routes" t on t.id = r.route_id ` +
    `where r.resolution = 60000 and t.method <> '*')`
  );
}

/** Ctrl-C still deletes what the current run created on the shared services. */
const interrupted: { cleanUp?: () => Promise<void> } = {};
process.once('SIGINT', async () => {
  process.stderr.write('\ninterrupted: cleaning up the current run …\n');
  await interrupted.cleanUp?.().catch(() => {});
  process.exit(130);
});

let currentLabel = '';
function progress(phase: string) {
  process.stderr.write(`${currentLabel}: ${phase} …\n`);
}

/** Why a combination cannot run now, or undefined. */
function skipReason(
  transport: TransportName,
  store: StoreName,
  down: Map<Service, string>,
): string | undefined {
  const kind: TransportKind = TRANSPORTS[transport];
  const needed: (Service | undefined)[] = [store === 'postgres' ? 'postgres' : undefined, kind.service];
  for (const service of needed) {
    if (service && down.has(service)) return `${SERVICE_NAMES[service]} ${down.get(service)}`;
  }
  return undefined;
}

/** Runs every combination asked for, one after the other. */
async function runAll(settings: Settings, traffic: ReturnType<typeof generateTraffic>, dir: string) {
  const down = new Map<Service, string>();
  for (const service of Object.keys(SERVICES) as Service[]) {
    const reason = await unreachable(SERVICES[service]);
    if (reason) down.set(service, reason);
  }
  const runs: Run[] = [];
  for (const store of settings.stores) {
    for (const transport of settings.transports) {
      const only = (TRANSPORTS[transport] as TransportKind).onlyWith;
      if (only && only !== store) continue;
      for (const accessRecords of settings.accessRecords) {
        currentLabel = `${transport} → ${store}, access records ${accessRecords ? 'on' : 'off'}`;
        const run = { transport, store, accessRecords };
        const skipped = skipReason(transport, store, down);
        if (skipped) {
          process.stderr.write(`${currentLabel}: skipped: ${skipped}\n`);
          runs.push({ ...run, outcome: { skipped } });
          continue;
        }
        const metrics = accessRecords ? traffic.withRecords : traffic.plain;
        try {
          runs.push({
            ...run,
            outcome: await measure(transport, store, accessRecords, metrics, settings, dir),
          });
        } catch (error) {
          const text = message(error);
          const outcome = /not implemented/i.test(text) ? { skipped: text } : { failed: text };
          process.stderr.write(`${currentLabel}: ${'skipped' in outcome ? 'skipped' : 'failed'}: ${text}\n`);
          runs.push({ ...run, outcome });
        }
      }
    }
  }
  return runs;
}

async function main() {
  const settings = readSettings();
  console.log(machine());
  const generating = performance.now();
  const traffic = generateTraffic(settings.messages);
  console.log(
    `messages: ${count(settings.messages)} per run in ${settings.rounds} rounds, ${traffic.routes} routes ` +
      '(Zipf popularity, 5% errors), ' +
      `timestamps over ${(traffic.spanMs / 1000).toFixed(0)} s, unique UUID ids ` +
      `(generated in ${((performance.now() - generating) / 1000).toFixed(1)} s)`,
  );
  console.log(
    `producer: routeperf's Producer, sends of 500; worker: startWorker, batch size ${settings.batchSize}, ` +
      `concurrency ${settings.concurrency} (batches stored at once), deduplication on\n`,
  );
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'routeperf-bench-'));
  try {
    const runs = await runAll(settings, traffic, dir);
    console.log(`${summaryTable(runs, settings.messages)}\n`);
    console.log(`${detailTable(runs, settings.messages)}\n`);
    for (const line of verdicts(runs)) console.log(line);
    console.log(`load average at end: ${loadAverage()}`);
    console.log(`total time: ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    console.log(notes(settings, settings.stores));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
