/**
 * `npm run bench:ingest`: how fast asynchronous mode moves request metrics from the app into the store.
 * For each durable transport × store (PostgreSQL, SQLite) × access records (off, on), in this process:
 *
 * 1. producer: N realistic messages (see support/messages.ts) dispatched to the app's Producer, which
 *    encodes them and sends them in batches of 500, one send at a time; timed until the transport has
 *    them all.
 * 2. worker: one `startWorker` with `limit: N` drains the full transport into the store; timed, then what
 *    the store holds is counted and must equal N exactly (and nothing may be left in the transport).
 * 3. raw limit: the same number of rows written by the bare driver into the same database with plain
 *    multi-row INSERTs of the worker's batch size, one transaction each, measured right after the worker
 *    so that both see the same machine. With access records on, the rows are the access records the
 *    worker wrote, every column, into an empty `access_records` table the store's migrations made (its
 *    keys and indexes included). With them off the worker writes no row per message; the yardstick is
 *    then a narrow row per message into a table with only a primary key, what a naive "one row per
 *    request" store would write.
 *
 *   npm run bench:ingest -- [--messages 200000] [--transports redis,amqp,database-pg,database-sqlite]
 *     [--stores postgres,sqlite] [--access-records off,on] [--batch-size 1000] [--concurrency 2]
 *     [--time-limit 120]
 *
 * `database-pg` and `database-sqlite` are `database://default`: the queue table in the store's own
 * database, so each goes with its store only. Every run has its own table prefix, stream, queue and SQLite
 * file, and deletes them at the end; a service that cannot be reached skips its runs. It measures and
 * prints; it asserts nothing about speed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Producer } from '../src/bus/producer.js';
import type { Transport, TransportContext } from '../src/bus/transport.js';
import { openTransport } from '../src/bus/transports/index.js';
import { startWorker, type WorkerSummary } from '../src/bus/worker/index.js';
import type { RequestMetrics } from '../src/record/metrics.js';
import { Store } from '../src/store/store.js';
import { deleteAmqpQueue, deleteRedisStream } from './support/brokers.js';
import { generateTraffic } from './support/messages.js';
import {
  accessRecordRows,
  narrowRows,
  openPostgres,
  openSqlite,
  type PlainDatabase,
  rawInsertRate,
} from './support/plain-database.js';
import { count, currentLoad, formatTable, loadAverage, machine, unreachable } from './support/report.js';

const SERVICES = {
  postgres: process.env.ROUTEPERF_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.ROUTEPERF_BENCH_REDIS ?? 'redis://127.0.0.1:6379',
  amqp: process.env.ROUTEPERF_BENCH_AMQP ?? 'amqp://guest:guest@127.0.0.1:5672',
};
type Service = keyof typeof SERVICES;
const SERVICE_NAMES: Record<Service, string> = {
  postgres: 'PostgreSQL',
  redis: 'Redis',
  amqp: 'RabbitMQ',
};

const STORES = ['postgres', 'sqlite'] as const;
type StoreName = (typeof STORES)[number];

/** Names a run creates on shared services, unique to it. */
interface RunNames {
  tag: string;
  tablePrefix: string;
  /** Redis stream, RabbitMQ queue. */
  channel: string;
}

interface TransportKind {
  service?: Service;
  /** The queue lives in the store's database: only with this store. */
  onlyWith?: StoreName;
  dsn(names: RunNames, batchSize: number): string;
  /** Deletes what the run created on the broker (tables go with the store's). */
  remove?(names: RunNames): Promise<void>;
}

const TRANSPORTS = {
  redis: {
    service: 'redis',
    dsn: ({ channel }) => `${SERVICES.redis}/${channel}`,
    remove: ({ channel }) => deleteRedisStream(SERVICES.redis, channel),
  },
  amqp: {
    service: 'amqp',
    // Twice the batch ahead: the worker receives its next batch while the previous one commits.
    dsn: ({ channel }, batchSize) => `${SERVICES.amqp}?queue=${channel}&prefetch=${2 * batchSize}`,
    remove: ({ channel }) => deleteAmqpQueue(SERVICES.amqp, channel),
  },
  'database-pg': { onlyWith: 'postgres', dsn: () => 'database://default' },
  'database-sqlite': { onlyWith: 'sqlite', dsn: () => 'database://default' },
} satisfies Record<string, TransportKind>;
type TransportName = keyof typeof TRANSPORTS;

/** What the issue asks of the Redis → PostgreSQL run, printed next to the figures. */
const TARGET_WORKER_RATE = 50_000;
const TARGET_RAW_RATIO = 0.5;

interface Settings {
  messages: number;
  transports: TransportName[];
  stores: StoreName[];
  accessRecords: boolean[];
  batchSize: number;
  /** The worker's `concurrency`: batches stored at once. */
  concurrency: number;
  timeLimitMs: number;
}

interface Figures {
  producer: number;
  worker: number;
  /** CPU time of this process during the worker phase, as a share of one core. */
  workerCpu: number;
  raw: number;
  summary: WorkerSummary;
  stored: number;
  records: number | null;
  /** Messages still in the transport after the worker stopped: waiting or unacknowledged. */
  left: number;
  load: string;
}

interface Run {
  transport: TransportName;
  store: StoreName;
  accessRecords: boolean;
  outcome: Figures | { skipped: string } | { failed: string };
}

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '200000' },
      transports: { type: 'string', default: Object.keys(TRANSPORTS).join(',') },
      stores: { type: 'string', default: STORES.join(',') },
      'access-records': { type: 'string', default: 'off,on' },
      'batch-size': { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '2' },
      'time-limit': { type: 'string', default: '120' },
    },
  });
  const fail = (message: string): never => {
    console.error(message);
    process.exit(2);
  };
  const whole = (name: keyof typeof values, minimum: number) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < minimum)
      fail(`--${name}: expected a whole number of at least ${minimum}, got ${values[name]}`);
    return value;
  };
  const list = <T extends string>(name: keyof typeof values, allowed: readonly T[]): T[] => {
    const items = String(values[name])
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    const wrong = items.filter((item) => !allowed.includes(item as T));
    if (items.length === 0 || wrong.length > 0)
      fail(`--${name}: expected a comma-separated list of ${allowed.join(', ')}, got ${values[name]}`);
    return items as T[];
  };
  return {
    messages: whole('messages', 1),
    transports: list('transports', Object.keys(TRANSPORTS) as TransportName[]),
    stores: list('stores', STORES),
    accessRecords: list('access-records', ['off', 'on'] as const).map((mode) => mode === 'on'),
    batchSize: whole('batch-size', 1),
    concurrency: whole('concurrency', 1),
    timeLimitMs: whole('time-limit', 1) * 1000,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `promise`, or a rejection with `explain()` once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number, explain: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(explain())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Messages per second through the app's Producer: all dispatched at once (it only buffers), then timed
 * until the transport confirmed the last batch. The transport is set up first, as a running app's is.
 */
async function produce(transport: Transport, metrics: RequestMetrics[], timeLimitMs: number) {
  await transport.setup();
  let sent = 0;
  let lastError: unknown;
  let allSent = () => {};
  const done = new Promise<void>((resolve) => {
    allSent = resolve;
  });
  const producer = new Producer({
    transport,
    bufferSize: metrics.length,
    overflow: 'drop',
    // Only close() stores directly, with what it could not send: nothing once all is sent.
    storeDirectly: async () => {},
    onDropped: () => {},
    onSent: (batch) => {
      sent += batch;
      if (sent >= metrics.length) allSent();
    },
    onSendError: (error) => {
      lastError = error;
    },
  });
  const started = performance.now();
  for (const m of metrics) producer.dispatch(m);
  try {
    await within(
      done,
      timeLimitMs,
      () =>
        `the transport took ${sent} of ${metrics.length} messages in ${timeLimitMs / 1000} s` +
        (lastError ? `; last send error: ${message(lastError)}` : ''),
    );
    return metrics.length / ((performance.now() - started) / 1000);
  } finally {
    await producer.close(0);
  }
}

/** One worker draining `n` messages into the store, as `routeperf consume --limit n` would. */
async function consume(transport: Transport, store: Store, n: number, settings: Settings) {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const worker = startWorker({
    transport,
    sink: store,
    batchSize: settings.batchSize,
    concurrency: settings.concurrency,
    limit: n,
    timeLimit: settings.timeLimitMs,
    logger: {
      info: () => {},
      warn: (line: string) => process.stderr.write(`  worker warning: ${line}\n`),
      error: (line: string) => process.stderr.write(`  worker error: ${line}\n`),
    },
  });
  const summary = await worker.done;
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  if (summary.reason !== 'limit') {
    throw new Error(
      `the worker stopped (${summary.reason}) after ${summary.handled} of ${n} messages, ${summary.failed} failed`,
    );
  }
  const { pending, inFlight } = await transport.stats();
  return {
    rate: n / (elapsedMs / 1000),
    cpu: (cpu.user + cpu.system) / 1000 / elapsedMs,
    summary,
    left: pending + inFlight,
  };
}

async function measure(
  transportName: TransportName,
  storeName: StoreName,
  accessRecords: boolean,
  metrics: RequestMetrics[],
  settings: Settings,
  dir: string,
): Promise<Figures> {
  const tag = randomBytes(4).toString('hex');
  const names: RunNames = { tag, tablePrefix: `rpb_${tag}_`, channel: `routeperf-bench-${tag}` };
  const kind: TransportKind = TRANSPORTS[transportName];
  const sqliteFile = join(dir, `${tag}.sqlite`);
  const database = storeName === 'postgres' ? SERVICES.postgres : `sqlite:${sqliteFile}`;
  const onBackgroundError = (error: unknown) =>
    process.stderr.write(`  background error: ${message(error)}\n`);
  const context = (role: string): TransportContext => ({
    database,
    tablePrefix: names.tablePrefix,
    consumerName: `bench-${tag}-${role}`,
    onBackgroundError,
  });
  const dsn = kind.dsn(names, settings.batchSize);
  const store = new Store({
    database,
    tablePrefix: names.tablePrefix,
    environment: 'production',
    autoSetup: false,
    maxRoutes: 1000,
    accessRecords: { enabled: accessRecords, retentionDays: null },
    onBackgroundError,
  });
  const plain: PlainDatabase =
    storeName === 'postgres' ? await openPostgres(database) : await openSqlite(sqliteFile);
  const transports: Transport[] = [];
  const open = async (role: string) => {
    const transport = await openTransport(dsn, context(role));
    transports.push(transport);
    return transport;
  };

  const cleanUp = async () => {
    for (const transport of transports) await transport.close().catch(onBackgroundError);
    await store.close().catch(onBackgroundError);
    await kind.remove?.(names).catch(onBackgroundError);
    await plain.dropTables(names.tablePrefix).catch(onBackgroundError);
    await plain.close().catch(onBackgroundError);
    if (storeName === 'sqlite') {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqliteFile}${suffix}`, { force: true });
    }
  };
  interrupted.cleanUp = cleanUp;
  try {
    await store.migrate();
    progress('producing');
    const producer = await produce(await open('producer'), metrics, settings.timeLimitMs);
    progress('consuming');
    const worker = await consume(await open('worker'), store, metrics.length, settings);
    const stored = await plain.number(
      `select coalesce(sum("count"), 0) from "${names.tablePrefix}aggregates"`,
    );
    const records = accessRecords
      ? await plain.number(`select count(*) from "${names.tablePrefix}access_records"`)
      : null;
    progress('raw inserts');
    const rawRows = accessRecords
      ? await emptyAccessRecords(database, `${names.tablePrefix}raw_`, onBackgroundError)
      : await narrowRows(plain, `${names.tablePrefix}raw`);
    const raw = await rawInsertRate(plain, rawRows, metrics, settings.batchSize);
    return {
      producer,
      worker: worker.rate,
      workerCpu: worker.cpu,
      raw,
      summary: worker.summary,
      stored,
      records,
      left: worker.left,
      load: currentLoad(),
    };
  } finally {
    await cleanUp();
    interrupted.cleanUp = undefined;
  }
}

/**
 * A second, empty `access_records` table made by the store's own migrations under `tablePrefix`, for
 * the raw limit with access records: the same rows into the same kind of table, by plain INSERTs.
 */
async function emptyAccessRecords(
  database: string,
  tablePrefix: string,
  onBackgroundError: (e: unknown) => void,
) {
  const store = new Store({
    database,
    tablePrefix,
    environment: 'production',
    autoSetup: false,
    maxRoutes: 1000,
    accessRecords: { enabled: true, retentionDays: null },
    onBackgroundError,
  });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  return accessRecordRows(`${tablePrefix}access_records`);
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

function verdict(run: Run, figures: Figures): string {
  if (run.transport !== 'redis' || run.store !== 'postgres') return '';
  if (!run.accessRecords) {
    const met = figures.worker >= TARGET_WORKER_RATE;
    return `target worker ≥ ${count(TARGET_WORKER_RATE)} msg/s: ${met ? 'met' : 'NOT met'}`;
  }
  const met = figures.worker / figures.raw >= TARGET_RAW_RATIO;
  return `target worker/raw ≥ ${TARGET_RAW_RATIO.toFixed(2)}: ${met ? 'met' : 'NOT met'}`;
}

/** What the store holds against what was sent; a mismatch is spelt out. */
function check(figures: Figures, n: number): string {
  const problems: string[] = [];
  if (figures.stored !== n) problems.push(`aggregates count ${figures.stored}`);
  if (figures.records !== null && figures.records !== n) problems.push(`${figures.records} access records`);
  if (figures.summary.failed > 0) problems.push(`${figures.summary.failed} failed`);
  if (figures.left > 0) problems.push(`${figures.left} left in the transport`);
  return problems.length === 0 ? `${count(figures.stored)} ok` : `WRONG: ${problems.join(', ')}`;
}

function table(runs: Run[], n: number): string {
  const header = [
    'transport',
    'store',
    'access records',
    'producer msg/s',
    'worker msg/s',
    'worker cpu',
    'raw INSERT rows/s',
    'worker/raw',
    'stored = N?',
    'load',
    'notes',
  ];
  const rows = runs.map((run) => {
    const label = [run.transport, run.store, run.accessRecords ? 'on' : 'off'];
    const { outcome } = run;
    if ('skipped' in outcome || 'failed' in outcome) {
      const note = 'skipped' in outcome ? `skipped: ${outcome.skipped}` : `failed: ${outcome.failed}`;
      return [...label, '-', '-', '-', '-', '-', '-', '-', note];
    }
    return [
      ...label,
      count(outcome.producer),
      count(outcome.worker),
      `${Math.round(outcome.workerCpu * 100)}%`,
      count(outcome.raw),
      (outcome.worker / outcome.raw).toFixed(2),
      check(outcome, n),
      outcome.load,
      verdict(run, outcome),
    ];
  });
  return formatTable(header, rows, (column) => column >= 3 && column < header.length - 1);
}

async function main() {
  const settings = readSettings();
  console.log(machine());
  const generating = performance.now();
  const traffic = generateTraffic(settings.messages);
  console.log(
    `messages: ${count(settings.messages)} per run, ${traffic.routes} routes (Zipf popularity, 5% errors), ` +
      `timestamps over ${(traffic.spanMs / 1000).toFixed(0)} s, unique UUID ids ` +
      `(generated in ${((performance.now() - generating) / 1000).toFixed(1)} s)`,
  );
  console.log(
    `producer: routeperf's Producer, sends of 500; worker: startWorker, batch size ${settings.batchSize}, ` +
      `concurrency ${settings.concurrency} (batches stored at once), deduplication on; ` +
      `raw: access records off → narrow rows into a plain table, on → the same access records into an ` +
      `empty access_records table; INSERTs of ${settings.batchSize} rows, one transaction each, bare driver\n`,
  );
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'routeperf-bench-'));
  try {
    const runs = await runAll(settings, traffic, dir);
    console.log(`${table(runs, settings.messages)}\n`);
    console.log(`load average at end: ${loadAverage()}`);
    console.log(`total time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
    console.log(
      'producer/worker msg/s: messages over wall time of the phase; worker cpu: CPU time of this process ' +
        'during the worker phase, as a share of one core (above 100%: GC and driver threads; the database ' +
        'and the broker run in their own processes); ' +
        'raw INSERT rows/s: the same number of rows written by the bare driver into the same database, ' +
        'right after the worker (access records off: narrow rows into a table with only a primary key; ' +
        'on: the access records themselves into an empty table of the same schema); stored = N?: SUM(count) of the aggregates (and the ' +
        'access records) equal the messages sent, none failed, none left in the transport; load: 1-minute ' +
        'load average at the end of the run.\n' +
        `Targets (issue 3, for Redis → PostgreSQL): a single worker ≥ ${count(TARGET_WORKER_RATE)} msg/s ` +
        `without access records, ≥ ${TARGET_RAW_RATIO} × the raw insert limit with them.\n` +
        'Indicative figures: producer, worker, broker and database share this machine, and other work may run on it.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
