import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startConsumer } from '../support/consumer.js';
import { QUEUE_DSN, queueSetup, recordMessages } from './queue.js';

const HIDE_PACKAGES = fileURLToPath(new URL('../support/hide-packages.mjs', import.meta.url));

/** The numbers of a `-vv` batch line. */
function batchLine(line: string) {
  const match =
    /^batch: received (\d+), stored (\d+) \(\d+ duplicates\) in [\d.]+ ms, failed (\d+), acknowledged (\d+)$/.exec(
      line,
    );
  if (!match) return undefined;
  const [received, stored, failed, acknowledged] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  return { received, stored, failed, acknowledged };
}

describe.concurrent('routeperf consume', () => {
  it('--limit stores exactly that many messages, leaves the rest queued, and exits 0 saying why', async () => {
    const { cwd, queue, stored } = await queueSetup();
    await queue.send(recordMessages(30));
    const result = await runCli(['consume', '--limit', '25', '--batch-size', '10'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `Consuming from ${QUEUE_DSN}, batch size 10 (stops at 25 messages). Quit with Ctrl-C.`,
    );
    expect(result.stdout).toContain('Stopped: limit of 25 messages reached. 25 messages stored, 0 failed');
    expect(await stored()).toBe(25);
    expect(await queue.stats()).toEqual({ pending: 5, inFlight: 0 });
  });

  it('--time-limit stops an idle worker and exits 0', async () => {
    const { cwd } = await queueSetup();
    const result = await runCli(['consume', '--time-limit', '0.5', '--sleep', '50'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Stopped: time limit of 0.5 s reached. 0 messages stored');
  });

  it('--memory-limit below what the process uses stops at the first check, before receiving anything', async () => {
    const { cwd, queue, stored } = await queueSetup();
    await queue.send(recordMessages(10));
    const result = await runCli(['consume', '--memory-limit', '1M'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Stopped: memory limit of 1M reached \(\d+M in use\)\. 0 messages stored/);
    expect(await stored()).toBe(0);
    expect(await queue.stats()).toEqual({ pending: 10, inFlight: 0 });
  });

  it('SIGTERM mid-stream finishes and acknowledges the batch in hand: nothing lost, nothing twice', async () => {
    const total = 3000;
    const { cwd, queue, stored } = await queueSetup();
    await queue.send(recordMessages(total));
    const consumer = await startConsumer({ cwd, args: ['-vv', '--batch-size', '20'] });
    await consumer.waitForLine(/^batch: /);
    const exit = await consumer.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(consumer.lines.at(-1)).toMatch(/^Stopped: received SIGTERM\. [\d,]+ messages stored, 0 failed/);
    const storedAtStop = await stored();
    const { pending, inFlight } = await queue.stats();
    // 150 batches take far longer than a signal: the worker was stopped with work left, which is the point.
    expect(pending).toBeGreaterThan(0);
    expect(inFlight).toBe(0);
    expect(storedAtStop + pending).toBe(total);

    // A new worker takes the rest: every message counted exactly once.
    if (pending > 0) {
      const rest = await runCli(['consume', '--limit', String(pending), '--batch-size', '500'], { cwd });
      expect(rest.code).toBe(0);
    }
    expect(await stored()).toBe(total);
  });

  it('SIGINT (Ctrl-C) stops it the same way', async () => {
    const { cwd } = await queueSetup();
    const consumer = await startConsumer({ cwd, args: ['--sleep', '50'] });
    await consumer.waitForLine(/^Consuming from /);
    expect(await consumer.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(consumer.lines.at(-1)).toBe(
      'Stopped: received SIGINT. 0 messages stored, 0 failed, in 0 batches.',
    );
  });

  it('stop-workers makes a running worker exit 0 after its batch', async () => {
    const { cwd, queue, stored } = await queueSetup();
    await queue.send(recordMessages(5));
    const consumer = await startConsumer({ cwd, args: ['-vv', '--sleep', '100'] });
    // The first heartbeat comes before the first batch: the worker is registered by then.
    await consumer.waitForLine(/^batch: received 5/);
    const stop = await runCli(['stop-workers'], { cwd });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain('Asked 1 running worker to exit after the current batch');
    expect(stop.stdout).toContain(`pid ${consumer.child.pid} (${QUEUE_DSN})`);
    expect(await consumer.exited).toEqual({ code: 0, signal: null });
    expect(consumer.lines.at(-1)).toBe(
      'Stopped: stop-workers was run. 5 messages stored, 0 failed, in 1 batch.',
    );
    expect(await stored()).toBe(5);
  });

  it('-vv prints one line per batch with what was received, stored, failed and acknowledged', async () => {
    const { cwd, queue } = await queueSetup();
    await queue.send(recordMessages(25));
    const result = await runCli(['consume', '-vv', '--batch-size', '10', '--limit', '25'], { cwd });
    expect(result.code).toBe(0);
    const batches = result.stdout.split('\n').flatMap((line) => batchLine(line) ?? []);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (const batch of batches) {
      expect(batch.received).toBeLessThanOrEqual(10);
      expect(batch).toEqual({ ...batch, stored: batch.received, failed: 0, acknowledged: batch.received });
    }
    expect(batches.reduce((sum, batch) => sum + batch.received, 0)).toBe(25);
  });

  it('without -v it prints no batch lines', async () => {
    const { cwd, queue } = await queueSetup();
    await queue.send(recordMessages(5));
    const result = await runCli(['consume', '--limit', '5'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      `Consuming from ${QUEUE_DSN}, batch size 500 (stops at 5 messages). Quit with Ctrl-C.`,
      'Stopped: limit of 5 messages reached. 5 messages stored, 0 failed, in 1 batch.',
    ]);
  });

  it('several transports: one worker each, in one process, each with its own limit', async () => {
    const { cwd, database, stored } = await queueSetup({
      transports: { first: `${QUEUE_DSN}?queue=first`, second: `${QUEUE_DSN}?queue=second` },
    });
    const { openTransport } = await import('../../src/bus/transports/index.js');
    for (const name of ['first', 'second']) {
      const queue = await openTransport(`${QUEUE_DSN}?queue=${name}`, {
        database,
        tablePrefix: 'routeperf_',
        consumerName: 'test-producer',
        onBackgroundError: () => {},
      });
      await queue.setup();
      await queue.send(recordMessages(4, `/${name}`));
      await queue.close();
    }
    const result = await runCli(['consume', 'first', 'second', '--limit', '4'], { cwd });
    expect(result.code).toBe(0);
    const stops = result.stdout.split('\n').filter((line) => line.startsWith('Stopped'));
    expect(stops).toHaveLength(2);
    for (const name of ['first', 'second']) {
      expect(stops).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^Stopped database://default\\?queue=${name}.*: limit of 4 messages reached\\. 4 messages stored`,
          ),
        ),
      );
    }
    expect(await stored()).toBe(8);
  });

  it('a transport whose client package is missing exits 1 with the npm install line', async () => {
    const { cwd } = await queueSetup();
    const result = await runCli(['consume', 'redis://127.0.0.1:6379/routeperf'], {
      cwd,
      env: { NODE_OPTIONS: `--import ${HIDE_PACKAGES}`, HIDE_PACKAGES: 'ioredis' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'needs the "ioredis" package, which is not installed. Run: npm install ioredis',
    );
  });
});
