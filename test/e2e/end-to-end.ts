import { afterEach, expect, it } from 'vitest';
import { startConsumer } from '../support/consumer.js';
import { describeWithService, unreachable } from '../support/databases.js';
import { hammer } from '../support/http.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import {
  expectedCounts,
  pathOf,
  type Scenario,
  scenario,
  startApp,
  storedCounts,
  TRANSPORTS,
  type TransportCase,
  waitForStored,
} from './harness.js';

const SERVICE_PORTS = { redis: 6379, amqp: 5672, postgres: 5432, mysql: 3306 } as const;
const reasons = Object.fromEntries(
  await Promise.all(
    Object.entries(SERVICE_PORTS).map(async ([service, port]) => [
      service,
      await unreachable('127.0.0.1', port),
    ]),
  ),
) as Record<string, string | undefined>;

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function use(transportCase: TransportCase, appBrokerPort?: number): Scenario {
  const setup = scenario(transportCase, appBrokerPort);
  cleanups.push(setup.cleanup);
  return setup;
}

/** Sends `n` requests to a real app recording through the scenario's transport, then closes the app. */
async function sendThroughApp(setup: Scenario, n: number) {
  const { app, url } = await startApp(setup.app);
  const statuses = await hammer((i) => `${url}${pathOf(i)}`, n, 20);
  await app.close();
  return statuses;
}

function describeTransport(transportCase: TransportCase, fn: () => void) {
  describeWithService(transportCase.name, transportCase.service, reasons[transportCase.service], fn);
}

/**
 * The end-to-end cases of the transports that `service` serves (one test file per service, so that the
 * services' cases run side by side).
 */
export function describeEndToEnd(service: TransportCase['service']) {
  for (const transportCase of TRANSPORTS.filter((candidate) => candidate.service === service)) {
    describeTransport(transportCase, () => {
      it('N requests to a real app are stored exactly once by a real worker', async () => {
        const setup = use(transportCase);
        const n = 400;
        const statuses = await sendThroughApp(setup, n);
        expect(statuses.filter((status) => status === 500)).toHaveLength(40);

        const worker = await startConsumer({ cwd: setup.cwd, args: ['--limit', String(n), '-vv'] });
        expect(await worker.exited).toEqual({ code: 0, signal: null });
        expect(worker.lines.join('\n')).toMatch(/Stopped: .*limit/i);
        expect(await storedCounts(setup.worker)).toEqual(expectedCounts(n));
      });

      if (transportCase.service !== 'sqlite') {
        it('a worker killed with SIGKILL mid-run loses nothing and counts nothing twice', async () => {
          const setup = use(transportCase);
          const n = 3000;
          await sendThroughApp(setup, n);

          const doomed = await startConsumer({ cwd: setup.cwd, args: ['-vv', '--batch-size', '100'] });
          await doomed.waitForLine(/batch: received/);
          expect(await doomed.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
          const storedAtCrash = await storedCounts(setup.worker);

          const successor = await startConsumer({ cwd: setup.cwd, args: ['--batch-size', '100'] });
          const counts = await waitForStored(setup.worker, n);
          expect(await successor.stop('SIGTERM')).toEqual({ code: 0, signal: null });
          expect(counts).toEqual(expectedCounts(n));
          expect(await storedCounts(setup.worker)).toEqual(expectedCounts(n));
          // The crash happened mid-run: the first worker had stored some, not all.
          const atCrash = Object.values(storedAtCrash).reduce((sum, count) => sum + count, 0);
          expect(atCrash).toBeGreaterThan(0);
          expect(atCrash).toBeLessThan(n);
        });
      }

      if (transportCase.broker) {
        const broker = transportCase.broker;
        it('a broker outage under load changes no response, and every request is counted after it heals', async () => {
          const proxy = await TcpProxy.start(broker);
          cleanups.push(() => proxy.close());
          const setup = use(transportCase, proxy.port);
          const { app, url } = await startApp(setup.app);

          // Load for 4 s; the broker is cut off from the app from 0.3 s to 3.3 s.
          const outage = { from: 300, to: 3300, end: 4000 };
          const started = Date.now();
          let sent = 0;
          let queuedDuringOutage = 0;
          // Requests that started and were answered while the broker was cut off.
          let answeredDuringOutage = 0;
          let down = false;
          const statuses: number[] = [];
          const cut = setTimeout(() => {
            proxy.cut();
            down = true;
          }, outage.from);
          const heal = setTimeout(() => {
            queuedDuringOutage = app.routeperf.stats().queued;
            down = false;
            proxy.heal();
          }, outage.to);
          const client = async () => {
            while (Date.now() - started < outage.end) {
              const i = sent++;
              const startedDown = down;
              const response = await fetch(`${url}${pathOf(i)}`);
              await response.arrayBuffer();
              if (startedDown && down) answeredDuringOutage += 1;
              statuses.push(response.status);
            }
          };
          await Promise.all(Array.from({ length: 10 }, client)).finally(() => {
            clearTimeout(cut);
            clearTimeout(heal);
            proxy.heal();
          });
          await app.close();

          expect(statuses.every((status) => status === 200 || status === 500)).toBe(true);
          expect(statuses).toHaveLength(sent);
          // The app held messages while the broker was away...
          expect(queuedDuringOutage).toBeGreaterThan(0);
          // ...and no response waited for it: requests were answered while it was still away.
          expect(answeredDuringOutage).toBeGreaterThan(0);

          const worker = await startConsumer({ cwd: setup.cwd });
          const counts = await waitForStored(setup.worker, sent);
          await worker.stop('SIGTERM');
          expect(counts).toEqual(expectedCounts(sent));
        });
      }
    });
  }
}
