import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { openAlertEvaluator } from '../../src/alerts/index.js';
import type { AlertNotification, AlertRule } from '../../src/config/alert-types.js';
import { internalsOf } from '../../src/routeperf/internals.js';
import { createRouteperf, type Routeperf } from '../../src/routeperf.js';
import { describeEachDatabase, dropTables, uniquePrefix } from '../support/databases.js';
import { requestMetrics } from '../support/metrics.js';

const silent = { info() {}, warn() {}, error() {} };
const MINUTE = 60_000;
/** A whole minute well in the past, so that every read of these tests has closed minutes only. */
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;

/** A local receiver of webhook posts: every body it got, parsed, with its headers. */
const received: { body: AlertNotification; headers: IncomingMessage['headers'] }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    received.push({ body: JSON.parse(body), headers: req.headers });
    res.end('ok');
  });
});
let webhookUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

describeEachDatabase((database) => {
  const opened: Routeperf[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const routeperf of opened.splice(0)) await routeperf.close();
    for (const cleanup of cleanups.splice(0)) await cleanup();
    received.length = 0;
  });

  /** A fresh store (file or prefix), and a way to open routeperfs on it with given rules. */
  function freshStore() {
    const target = { database: database.url(), tablePrefix: uniquePrefix() };
    cleanups.push(() => dropTables(target.database, target.tablePrefix));
    return async (alerts: AlertRule[]) => {
      const routeperf = await createRouteperf({
        ...target,
        environment: 'production',
        alerts,
        logger: silent,
      });
      opened.push(routeperf);
      return routeperf;
    };
  }

  /** `count` requests of `route` taking `requestTime` ms, in the minute starting at `minute`. */
  async function traffic(
    routeperf: Routeperf,
    route: string,
    count: number,
    requestTime: number,
    minute = T0,
  ) {
    const batch = Array.from({ length: count }, (_, i) =>
      requestMetrics({ environment: 'production', route, requestTime, ts: minute + (i % 50) * 1000 }),
    );
    await internalsOf(routeperf).store.ingest(batch);
  }

  const slowRule = (channels: AlertRule['channels'], extra: Partial<AlertRule> = {}): AlertRule => ({
    name: 'slow',
    when: { metric: 'p95', above: 500, window: '5m' },
    minRequests: 5,
    cooldown: '30m',
    channels,
    ...extra,
  });
  const at = (ms: number) => new Date(T0 + ms);

  it('fires once for a slow route, sends its figures to a webhook, and resolves when the route is fast again', async () => {
    const open = freshStore();
    const routeperf = await open([slowRule([{ type: 'webhook', url: webhookUrl }], { routes: ['/api/*'] })]);
    await traffic(routeperf, '/api/slow', 20, 900);
    await traffic(routeperf, '/api/fast', 20, 20);
    await traffic(routeperf, '/health', 20, 2000); // slow, but not watched
    await traffic(routeperf, '/api/rare', 3, 5000); // slow, but under minRequests
    const evaluator = await openAlertEvaluator(routeperf);
    const first = await evaluator.evaluate(at(MINUTE));
    expect(first.rules).toEqual([{ rule: 'slow', judged: 2, matching: 1 }]);
    expect(received.map(({ body }) => [body.status, body.route, body.repeat])).toEqual([
      ['firing', '/api/slow', false],
    ]);
    const { body } = received[0]!;
    expect(body).toMatchObject({ rule: 'slow', environment: 'production', method: 'GET', metric: 'p95' });
    expect(body).toMatchObject({ comparison: 'above', threshold: 500, requests: 20, window: '5m' });
    expect(body.value).toBeGreaterThan(500);
    expect(body.title).toContain('FIRING slow: p95 request time of GET /api/slow (production)');

    // Ten minutes on, the slow minute is out of the window and the route is fast.
    await traffic(routeperf, '/api/slow', 20, 30, T0 + 10 * MINUTE);
    await evaluator.evaluate(at(11 * MINUTE));
    expect(received.map(({ body }) => [body.status, body.route])).toEqual([
      ['firing', '/api/slow'],
      ['resolved', '/api/slow'],
    ]);
    expect(received[1]!.body.title).toContain('RESOLVED');
    await evaluator.close();
  });

  it('sends one message for 1,000 evaluations within the cooldown, a reminder after it, and nothing again after a restart', async () => {
    const open = freshStore();
    const sent: AlertNotification[] = [];
    const rule = slowRule([{ type: 'notify', notify: (n) => void sent.push(n) }]);
    const routeperf = await open([rule]);
    await traffic(routeperf, '/slow', 50, 900);
    const evaluator = await openAlertEvaluator(routeperf);
    // Every evaluation sees the slow minute in its window: the rule keeps matching all along.
    for (let i = 0; i < 1000; i++) await evaluator.evaluate(at(MINUTE + i * 100));
    expect(sent.map((n) => [n.status, n.repeat])).toEqual([['firing', false]]);

    // Another process on the same store (a restart) neither sends again nor forgets.
    const restarted = await open([rule]);
    const again = await openAlertEvaluator(restarted);
    await again.evaluate(at(2 * MINUTE));
    expect(sent).toHaveLength(1);
    // The cooldown counts from the first message: 30 minutes after it, a reminder (with the traffic still there).
    await traffic(restarted, '/slow', 50, 900, T0 + 31 * MINUTE);
    await again.evaluate(at(32 * MINUTE));
    expect(sent.map((n) => [n.status, n.repeat])).toEqual([
      ['firing', false],
      ['firing', true],
    ]);
    await evaluator.close();
    await again.close();
  });

  it('two evaluators judging at once send each change once', async () => {
    const open = freshStore();
    const sent: AlertNotification[] = [];
    const rule = slowRule([{ type: 'notify', notify: (n) => void sent.push(n) }]);
    const [a, b] = [await open([rule]), await open([rule])];
    for (const route of ['/a', '/b', '/c']) await traffic(a, route, 10, 900);
    const evaluators = [await openAlertEvaluator(a), await openAlertEvaluator(b)];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        evaluators[i % 2]!.evaluate(at(MINUTE + Math.floor(i / 2) * 1000)),
      ),
    );
    expect(sent.map((n) => n.route).sort()).toEqual(['/a', '/b', '/c']);
    for (const evaluator of evaluators) await evaluator.close();
  });

  it('judges a whole environment: a traffic drop under a throughput, with minRequests 0', async () => {
    const open = freshStore();
    const sent: AlertNotification[] = [];
    const routeperf = await open([
      {
        name: 'quiet',
        when: { metric: 'throughput', below: 2, window: '5m' },
        per: 'environment',
        minRequests: 0,
        channels: [{ type: 'notify', notify: (n) => void sent.push(n) }],
      },
    ]);
    await traffic(routeperf, '/a', 50, 10); // 50 requests in 5 minutes: 10 per minute
    const evaluator = await openAlertEvaluator(routeperf);
    await evaluator.evaluate(at(MINUTE));
    expect(sent).toEqual([]);
    await evaluator.evaluate(at(20 * MINUTE)); // nothing for 15 minutes
    expect(sent.map((n) => [n.status, n.route, n.value, n.requests])).toEqual([['firing', null, 0, 0]]);
    expect(sent[0]!.title).toContain(
      'throughput of all routes of production is 0 requests/min (below 2 requests/min)',
    );
    await evaluator.close();
  });

  it('records every message to every channel, sent or failed, for alerts list', async () => {
    const open = freshStore();
    const routeperf = await open([
      slowRule([
        { type: 'webhook', url: webhookUrl, name: 'hook' },
        { type: 'notify', name: 'broken', retries: 1, notify: () => Promise.reject(new Error('pager down')) },
      ]),
    ]);
    await traffic(routeperf, '/slow', 10, 900);
    const evaluator = await openAlertEvaluator(routeperf, { backoffMs: 1 });
    const report = await evaluator.evaluate(at(MINUTE));
    expect(report.messages[0]!.outcomes.map((o) => [o.channel, o.outcome, o.attempts])).toEqual([
      ['hook', 'sent', 1],
      ['broken', 'failed', 2],
    ]);
    const deliveries = await evaluator.states.deliveries(10);
    expect(deliveries.map((d) => [d.channel, d.outcome, d.attempts, d.status, d.route])).toEqual(
      expect.arrayContaining([
        ['hook', 'sent', 1, 'firing', '/slow'],
        ['broken', 'failed', 2, 'firing', '/slow'],
      ]),
    );
    expect(deliveries.find((d) => d.channel === 'broken')!.error).toContain('pager down');
    await evaluator.close();
  });

  it('gives the lease to one holder until it expires or is released', async () => {
    const routeperf = await freshStore()([]);
    const states = await internalsOf(routeperf).store.alertStates();
    expect(await states.holdLease('alerts', 'a', 1000, T0)).toBe(true);
    expect(await states.holdLease('alerts', 'b', 1000, T0 + 500)).toBe(false);
    expect(await states.holdLease('alerts', 'a', 1000, T0 + 500)).toBe(true); // renewed to T0 + 1500
    expect(await states.holdLease('alerts', 'b', 1000, T0 + 1400)).toBe(false);
    expect(await states.holdLease('alerts', 'b', 1000, T0 + 1600)).toBe(true);
    await states.releaseLease('alerts', 'b');
    expect(await states.holdLease('alerts', 'a', 1000, T0 + 1700)).toBe(true);
  });
});
