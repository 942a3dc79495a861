/**
 * The diagnose page reports what `routeperf diagnose` reports, from the app that serves it, on a real
 * socket: the messages waiting on a real transport (Redis, or a queue table) with no worker to store them,
 * a worker alive (a real `routeperf consume` process, or the one inside an app on memory://), the failure
 * store, and a database that does not answer; each problem with its fix.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RouteperfOptions } from '../../src/config/types.js';
import { redactDsn } from '../../src/dsn.js';
import { internalsOf } from '../../src/routeperf/internals.js';
import { tempFolder } from '../support/cli.js';
import { startConsumer } from '../support/consumer.js';
import { describeWithRedis, REDIS_URL, useRedisStreams } from '../support/redis.js';
import { until } from '../support/wait.js';
import { type App, Browser, startApp, testOptions, unescapeHtml } from './support.js';

const UNREACHABLE_POSTGRES = 'postgres://postgres:secret@127.0.0.1:1/routeperf';

async function diagnosePage(app: App): Promise<string> {
  const page = await new Browser(app.url).fetch('/performance/diagnose');
  expect(page.status).toBe(200);
  return page.body;
}

/** The value of a `<dt>label</dt><dd>value</dd>` pair, unescaped. */
function pair(page: string, label: string): string | undefined {
  const value = new RegExp(`<dt>${label}</dt><dd>([^<]*)</dd>`).exec(page)?.[1];
  return value === undefined ? undefined : unescapeHtml(value);
}

/** Each listed problem by its code: its text, the fix included. */
function problems(page: string): Record<string, string> {
  const items = page.matchAll(/<li data-problem="([^"]+)">(.*?)<\/li>/g);
  return Object.fromEntries(
    [...items].map(([, code, text]) => [
      code!,
      unescapeHtml(
        text!
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
      ),
    ]),
  );
}

/** An app recording asynchronously through `transport`, with its dashboard open to all. */
function asyncApp(transport: string, options: RouteperfOptions = {}): Promise<App> {
  return startApp({ ...options, dashboard: { allowUnauthenticated: true }, async: true, transport });
}

/** The row of the workers table of a worker with this pid, on a transport matching `transport`. */
function workerRow(pid: number | undefined, transport: string): RegExp {
  return new RegExp(`<tr><td class="text">[^<]+</td><td>${pid}</td><td class="text">${transport}</td>`);
}

/** Requests the app records, each one message on its transport once sent. */
async function requests(app: App, count: number): Promise<void> {
  for (let i = 0; i < count; i++) expect((await fetch(`${app.url}/hello`)).status).toBe(200);
  await until(() => app.routeperf.stats().sent === count, { what: `${count} messages sent` });
}

function expectNoWorkerAlive(page: string, dsn: string, waiting: number): void {
  expect(pair(page, 'Transport')).toBe(`${dsn} answers: ${waiting} pending, 0 in flight`);
  expect(pair(page, 'Workers alive')).toBe(
    'none (heartbeat within the last 15 s); none seen in the last week',
  );
  expect(page).toContain('data-problems="1"');
  const problem = problems(page)['no-worker-alive'];
  expect(problem).toContain(`No worker is alive to store the messages of ${dsn} (${waiting} waiting)`);
  expect(problem).toContain('Fix: run: npx routeperf consume');
}

describeWithRedis('diagnose page, async mode on Redis', () => {
  const redis = useRedisStreams();
  afterAll(() => redis.close());

  it('shows the messages waiting on the stream, and that no worker is alive to store them', async () => {
    // Redis counts stream entries; one message an entry makes them the messages sent.
    const transport = `${REDIS_URL}/${redis.stream()}?pack=1`;
    const app = await asyncApp(transport);
    await requests(app, 3);
    expectNoWorkerAlive(await diagnosePage(app), redactDsn(transport), 3);
  });
});

describe('diagnose page, async mode on a queue table', () => {
  it('shows the messages waiting in the table, and that no worker is alive to store them', async () => {
    const app = await asyncApp('database://default');
    await requests(app, 2);
    expectNoWorkerAlive(await diagnosePage(app), 'database://default', 2);
  });

  it('lists a worker alive, a real routeperf consume, with its host and pid', async () => {
    const { logger, ...config } = testOptions({ async: true, transport: 'database://default' });
    const app = await asyncApp('database://default', config);
    const consumer = await startConsumer({ cwd: tempFolder(config), args: ['-vv', '--sleep', '100'] });
    try {
      await requests(app, 1);
      // The worker's heartbeat comes before its first batch.
      await consumer.waitForLine(/^batch: received 1/);
      const page = await diagnosePage(app);
      expect(pair(page, 'Workers alive')).toBe('1 (heartbeat within the last 15 s)');
      expect(page).toMatch(workerRow(consumer.child.pid, 'database://default'));
      expect(problems(page)).toEqual({});
      expect(page).toContain('data-problems="0"');
    } finally {
      await consumer.stop();
    }
  });
});

describe('diagnose page, async mode on memory://', () => {
  it('needs no separate worker, and lists the one inside the app as alive', async () => {
    const app = await asyncApp('memory://');
    const { store } = internalsOf(app.routeperf);
    await until(async () => (await (await store.workers()).list()).length === 1, { what: 'a heartbeat' });
    const page = await diagnosePage(app);
    expect(pair(page, 'Transport')).toBe('no separate worker needed in this mode');
    expect(pair(page, 'Workers alive')).toBe('1 (heartbeat within the last 15 s)');
    // The page runs in the app: the worker of this process is the app's.
    expect(page).toMatch(workerRow(process.pid, 'memory://[^<]*'));
    expect(page).toContain('data-problems="0"');
  });
});

describe('diagnose page, failure store and database', () => {
  it('counts the failed messages, with the command that lists them', async () => {
    const app = await startApp({ dashboard: { allowUnauthenticated: true } });
    const failed = { messageId: null, body: '{"v": 1, ', error: 'not JSON', transport: 'database://default' };
    const failures = await internalsOf(app.routeperf).failures();
    await failures.add([
      { ...failed, attempts: 1 },
      { ...failed, attempts: 3 },
    ]);
    const page = await diagnosePage(app);
    expect(pair(page, 'Failed messages')).toBe('2');
    expect(page).toContain('data-problems="1"');
    expect(problems(page)['failed-messages']).toBe(
      '2 messages in the failure store: workers gave up on them; see why, then retry or remove them Fix: run: npx routeperf failed list',
    );
    const spanish = await new Browser(app.url).fetch('/performance/diagnose', {
      headers: { 'accept-language': 'es' },
    });
    expect(pair(spanish.body, 'Mensajes fallidos')).toBe('2');
    expect(problems(spanish.body)['failed-messages']).toMatch(/ Solución: run: npx routeperf failed list$/);
  });

  it('a database that does not answer: the page with the problem, password hidden, never a 503', async () => {
    const app = await startApp({ dashboard: { allowUnauthenticated: true }, database: UNREACHABLE_POSTGRES });
    const page = await diagnosePage(app);
    expect(page).not.toContain('secret');
    expect(pair(page, 'Database')).toBe('postgres://postgres:***@127.0.0.1:1/routeperf (does not answer)');
    expect(pair(page, 'Database tables')).toBe('unknown');
    expect(pair(page, 'Failed messages')).toBe('unknown (the database does not answer)');
    expect(pair(page, 'Workers alive')).toBe('unknown (the database does not answer)');
    const problem = problems(page)['database-unreachable'];
    expect(problem).toMatch(/ECONNREFUSED/);
    expect(problem).toContain(
      'Fix: start the database or fix "database" (or --database), then run: npx routeperf diagnose',
    );
  });
});
