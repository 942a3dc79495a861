/**
 * `routeperf alerts check` and `alerts list` as a cron user runs them, and the rules judged by running
 * workers (`routeperf consume`), over a SQLite store, with a local HTTP server as the webhook.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';
import { startConsumer } from '../support/consumer.js';
import { requestMetrics } from '../support/metrics.js';
import { ingest } from '../support/seed.js';
import { sqliteRows, sqliteUrl } from '../support/sqlite.js';
import { until } from '../support/wait.js';
import { QUEUE_DSN } from './queue.js';

const HIDE_PACKAGES = fileURLToPath(new URL('../support/hide-packages.mjs', import.meta.url));
const SECRET = 'shared secret';
/** What the webhook received, per path: the parsed body and the headers of each post. */
const posts = new Map<
  string,
  { body: Record<string, unknown>; raw: string; headers: IncomingHttpHeaders }[]
>();
const receiver = createServer((req, res) => {
  let raw = '';
  req.on('data', (chunk) => (raw += chunk));
  req.on('end', () => {
    const list = posts.get(req.url!) ?? [];
    list.push({ body: JSON.parse(raw), raw, headers: req.headers });
    posts.set(req.url!, list);
    res.end();
  });
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

let hooks = 0;
/** A store with one slow route in the last minute, and a config whose rule posts to a path of its own. */
async function slowStore(extra: Record<string, unknown> = {}, channel: Record<string, unknown> = {}) {
  const path = `/hook-${++hooks}`;
  const database = sqliteUrl();
  const slow = Array.from({ length: 10 }, () =>
    requestMetrics({ environment: 'test', route: '/slow', requestTime: 900, ts: Date.now() - 30_000 }),
  );
  await ingest({ database }, slow);
  const rule = {
    name: 'slow routes',
    when: { metric: 'avg', above: 500, window: '5m' },
    // A channel of another type replaces the webhook; other fields change it.
    channels: [
      channel.type
        ? { name: 'hook', ...channel }
        : { type: 'webhook', name: 'hook', url: `${base}${path}`, secret: SECRET, ...channel },
    ],
  };
  const cwd = tempFolder({ database, environment: 'test', alerts: [rule], ...extra });
  return { cwd, database, received: () => posts.get(path) ?? [] };
}

describe.concurrent('routeperf alerts', () => {
  it('check sends a firing message once, signed, and says so; a second check sends nothing', async () => {
    const { cwd, received } = await slowStore();
    const first = await runCli(['alerts', 'check'], { cwd });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Judged 1 rule at .+:\n {2}slow routes: 1 subject judged, 1 matching\n/);
    expect(first.stdout).toContain(
      '[routeperf] FIRING slow routes: average request time of GET /slow (test) is 900 ms (above 500 ms)',
    );
    expect(first.stdout).toContain('  hook: sent (1 attempt)');
    expect(received()).toHaveLength(1);
    const { body, raw, headers } = received()[0]!;
    expect(body).toMatchObject({
      status: 'firing',
      rule: 'slow routes',
      route: '/slow',
      value: 900,
      requests: 10,
    });
    const timestamp = headers['x-routeperf-timestamp'] as string;
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${raw}`).digest('hex');
    expect(headers['x-routeperf-signature']).toBe(`sha256=${expected}`);

    const second = await runCli(['alerts', 'check', '--format', 'json'], { cwd });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      rules: [{ rule: 'slow routes', judged: 1, matching: 1 }],
      messages: [],
    });
    expect(received()).toHaveLength(1);
  });

  it('check exits 1 when a channel fails, and list shows the failure with its error', async () => {
    const { cwd } = await slowStore({}, { url: 'http://127.0.0.1:9/closed', retries: 1 });
    const check = await runCli(['alerts', 'check'], { cwd });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/ {2}hook: failed \(2 attempts\): .+/);
    expect(check.stdout).not.toContain('/closed');

    const list = await runCli(['alerts', 'list'], { cwd });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /^Rules:\nrule +when +per +cooldown +channels\nslow routes +avg above 500 over 5m +route +30m +hook\n/,
    );
    expect(list.stdout).toMatch(/Firing:\n.*\nslow routes +GET \/slow \(test\) +firing +900 /);
    expect(list.stdout).toMatch(
      /Latest messages:\n.*\n\S+ +slow routes +GET \/slow \(test\) +firing +hook +failed \(2 attempts\) +\S/,
    );
    const json = JSON.parse((await runCli(['alerts', 'list', '--format', 'json'], { cwd })).stdout);
    expect(json.rules).toEqual([
      expect.objectContaining({ name: 'slow routes', channels: [{ name: 'hook', type: 'webhook' }] }),
    ]);
    expect(json.states).toEqual([
      expect.objectContaining({ route: '/slow', matching: true, notified: 'firing' }),
    ]);
    expect(json.deliveries).toEqual([
      expect.objectContaining({ channel: 'hook', outcome: 'failed', attempts: 2 }),
    ]);
  });

  it('an email channel without nodemailer installed fails with the npm install to run', async () => {
    const email = {
      type: 'email',
      url: 'smtp://127.0.0.1:9',
      from: 'a@example.com',
      to: ['b@example.com'],
      retries: 0,
    };
    const { cwd } = await slowStore({}, email);
    const env = { NODE_OPTIONS: `--import ${HIDE_PACKAGES}`, HIDE_PACKAGES: 'nodemailer' };
    const check = await runCli(['alerts', 'check'], { cwd, env });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(
      '  hook: failed (1 attempt): An email alert channel needs the "nodemailer" package, which is not installed. Run: npm install nodemailer',
    );
  });

  it('check and list without rules say how to add them', async () => {
    const cwd = tempFolder({ database: sqliteUrl() });
    for (const command of ['check', 'list']) {
      const result = await runCli(['alerts', command], { cwd });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('No alert rules are configured');
    }
  });

  it('a bad rule stops both commands with exit 2, naming the key', async () => {
    const cwd = tempFolder({
      database: sqliteUrl(),
      alerts: [{ name: 'x', when: { metric: 'p90', above: 1 }, channels: ['nowhere'] }],
    });
    const result = await runCli(['alerts', 'check'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('alerts[0].when.metric: expected one of p95, p99, avg');
  });

  it('workers judge the rules, one at a time: a second worker that takes over sends nothing again', async () => {
    const { cwd, database, received } = await slowStore({
      async: true,
      transport: QUEUE_DSN,
      alertInterval: '1s',
    });
    const first = await startConsumer({ cwd });
    await until(() => received().length === 1, { what: 'the first worker’s message' });
    const second = await startConsumer({ cwd });
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const lease = () =>
      sqliteRows<{ holder: string; expires_at: number }>(
        database,
        'select holder, expires_at from routeperf_leases',
      )[0];
    await until(() => lease()?.holder.includes(`:${second.child.pid}:`) === true, {
      what: 'the second worker’s lease',
    });
    // Renewed once more: the evaluation that came with taking the lease is over.
    const taken = lease()!.expires_at;
    await until(() => lease()!.expires_at > taken, { what: 'a renewal of the lease' });
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(received().map(({ body }) => body.status)).toEqual(['firing']);
    expect(second.stderr()).toBe('');
  });
});
