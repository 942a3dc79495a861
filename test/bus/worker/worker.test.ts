import { describe, expect, it } from 'vitest';
import { startWorker, type WorkerOptions } from '../../../src/bus/worker/index.js';
import { capturingLogger } from '../../support/logger.js';
import { until } from '../../support/wait.js';
import { bug, FakeSink, FakeTransport, gate, outage, received, refusal, unreadable } from './fakes.js';

/** A worker on fakes sharing one journal; the transport holds messages with these ids. */
function workerOn(ids: string[], options: Partial<WorkerOptions> = {}) {
  const journal: string[] = [];
  const sink = new FakeSink(journal);
  const transport = new FakeTransport(journal).add(...ids.map((id) => received(id)));
  const { logger, lines } = capturingLogger();
  const printed: string[] = [];
  const worker = startWorker({ transport, sink, logger, print: (line) => printed.push(line), ...options });
  return { worker, journal, sink, transport, lines, printed };
}

describe('startWorker', () => {
  it('receives, stores and acknowledges batch after batch until --limit messages are handled', async () => {
    const { worker, journal, sink } = workerOn(['a', 'b', 'c', 'd', 'e'], {
      batchSize: 2,
      limit: 5,
      concurrency: 1,
    });
    expect(await worker.done).toEqual({ reason: 'limit', handled: 5, failed: 0, batches: 3 });
    expect(journal).toEqual([
      'received a b',
      'stored a b',
      'acked a b',
      'received c d',
      'stored c d',
      'acked c d',
      'received e',
      'stored e',
      'acked e',
    ]);
    expect(sink.presence.beats).toMatchObject([
      { id: worker.id, handled: 0, failed: 0, transport: 'fake://queue' },
    ]);
    expect(sink.presence.stoppedIds).toEqual([worker.id]);
  });

  it('receives the next batch while the previous one commits, two batches in hand at most', async () => {
    const { worker, journal, sink } = workerOn(['a', 'b', 'c', 'd', 'e', 'f'], { batchSize: 2, limit: 6 });
    const commit = gate();
    let committing = 0;
    sink.onIngest = () => {
      committing += 1;
      return commit.opened;
    };
    await until(() => committing === 2);
    // Both commits are held, so the loop waits for one of them before it receives again.
    expect(journal).toEqual(['received a b', 'received c d']);
    commit.open();
    expect(await worker.done).toMatchObject({ reason: 'limit', handled: 6 });
    expect(journal.indexOf('received e f')).toBeGreaterThan(journal.indexOf('acked a b'));
  });

  it('with concurrency 1, commits each batch before it receives the next', async () => {
    const { worker, journal } = workerOn(['a', 'b', 'c'], { batchSize: 2, limit: 3, concurrency: 1 });
    await worker.done;
    expect(journal).toEqual(['received a b', 'stored a b', 'acked a b', 'received c', 'stored c', 'acked c']);
  });

  it('on stop() finishes and acknowledges the batch in hand, then receives nothing more', async () => {
    const { worker, journal, sink, transport } = workerOn(['a', 'b', 'c'], { batchSize: 2 });
    sink.onIngest = () => worker.stop();
    expect(await worker.done).toEqual({ reason: 'stopped', handled: 2, failed: 0, batches: 1 });
    expect(journal).toEqual(['received a b', 'stored a b', 'acked a b']);
    expect(transport.waiting.map((message) => message.handle)).toEqual(['c']);
  });

  it('stop() cuts an outage backoff short and releases the batch for the next worker', async () => {
    const { worker, journal, sink, lines } = workerOn(['a', 'b'], { retry: { delay: 60_000 } });
    sink.onIngest = () => {
      throw outage();
    };
    await until(() => lines.error.some((line) => line.includes('is unavailable, retrying in 30 s')));
    worker.stop();
    expect(await worker.done).toEqual({ reason: 'stopped', handled: 0, failed: 0, batches: 0 });
    expect(journal).toEqual(['received a b', 'released a b']);
  });

  it('stops at --failure-limit', async () => {
    const journal: string[] = [];
    const transport = new FakeTransport(journal).add(unreadable('garbage'), received('a'));
    const worker = startWorker({ transport, sink: new FakeSink(journal), failureLimit: 1, concurrency: 1 });
    expect(await worker.done).toEqual({ reason: 'failure-limit', handled: 1, failed: 1, batches: 1 });
  });

  it('stops on a stop-workers signal given after it started, before receiving anything', async () => {
    const journal: string[] = [];
    const sink = new FakeSink(journal);
    sink.presence.stopRequested = Number.MAX_SAFE_INTEGER;
    const worker = startWorker({ transport: new FakeTransport(journal).add(received('a')), sink });
    expect(await worker.done).toEqual({ reason: 'stop-workers', handled: 0, failed: 0, batches: 0 });
    expect(journal).toEqual([]);
  });

  it('prints a -vv line per batch', async () => {
    const { worker, printed } = workerOn(['a', 'b', 'c'], { batchSize: 2, limit: 3, verbosity: 2 });
    await worker.done;
    expect(printed).toEqual([
      expect.stringMatching(
        /^batch: received 2, stored 2 \(0 duplicates\) in \d+\.\d ms, failed 0, acknowledged 2$/,
      ),
      expect.stringMatching(
        /^batch: received 1, stored 1 \(0 duplicates\) in \d+\.\d ms, failed 0, acknowledged 1$/,
      ),
    ]);
  });

  it('stops on an error that is no outage, logs it, and still signs off', async () => {
    const { worker, sink, transport, lines } = workerOn([]);
    const broken = bug('queue table has no column "body"');
    transport.onReceive = () => {
      throw broken;
    };
    await expect(worker.done).rejects.toBe(broken);
    expect(lines.error).toEqual(['routeperf worker stopped on an error: queue table has no column "body"']);
    expect(sink.presence.stoppedIds).toEqual([worker.id]);
  });

  it('stops on an error met by a batch once the batches in hand are done', async () => {
    const { worker, journal, sink } = workerOn(['a', 'b', 'c', 'd'], {
      batchSize: 2,
      retry: { maxRetries: 0 },
    });
    const broken = bug();
    sink.onIngest = async (batch) => {
      if (batch[0]!.id !== 'a') return;
      await until(() => journal.includes('acked c d'));
      throw refusal();
    };
    sink.failureStore.onAdd = () => {
      throw broken;
    };
    await expect(worker.done).rejects.toBe(broken);
    expect(journal).toEqual(['received a b', 'received c d', 'stored c d', 'acked c d']);
  });
});
