import { describe, expect, it } from 'vitest';
import { FailureSender } from '../../../src/bus/worker/failure-sender.js';
import { Outage } from '../../../src/bus/worker/outage.js';
import { newProgress } from '../../../src/bus/worker/state.js';
import { acknowledger, type TrackedMessage } from '../../../src/bus/worker/tracked-message.js';
import { capturingLogger } from '../../support/logger.js';
import { bug, FakeSink, FakeTransport, outage, received, refusal } from './fakes.js';

const refusalError = refusal();

function sender() {
  const journal: string[] = [];
  const sink = new FakeSink(journal);
  const transport = new FakeTransport(journal);
  const progress = newProgress();
  const { logger, lines } = capturingLogger();
  const failures = new FailureSender({
    failureStore: () => sink.failures(),
    sink,
    transport,
    acknowledge: acknowledger(transport, logger),
    progress,
  });
  return {
    failures,
    sink,
    transport,
    journal,
    progress,
    lines,
    tally: { handled: 0, failed: 0, duplicates: 0 },
  };
}

describe('FailureSender', () => {
  it('writes the message to the failure store, then acknowledges it, and counts it as failed', async () => {
    const { failures, sink, journal, progress, tally } = sender();
    const entry: TrackedMessage = { message: received('m1', 2) };
    await failures.send(entry, new RangeError('status 1000 is out of range'), 3, tally);
    expect(journal).toEqual(['failed m1', 'acked m1']);
    expect(sink.failureStore.added).toEqual([
      {
        messageId: 'm1',
        body: entry.message.body,
        error: 'RangeError: status 1000 is out of range',
        transport: 'fake://queue',
        attempts: 3,
      },
    ]);
    expect(entry).toMatchObject({ done: true });
    expect([progress.failed, tally.failed]).toEqual([1, 1]);
  });

  it('keeps an unreadable body as it came, without a message id', async () => {
    const { failures, sink, tally } = sender();
    await failures.send({ message: { body: 'garbage', handle: 1, redeliveries: 0 } }, 'not json', 1, tally);
    expect(sink.failureStore.added).toMatchObject([{ messageId: null, body: 'garbage', error: 'not json' }]);
  });

  it('throws an Outage when the failure store is unavailable, and acknowledges nothing', async () => {
    const { failures, sink, journal, progress, tally } = sender();
    sink.failureStore.onAdd = () => {
      throw outage();
    };
    const entry: TrackedMessage = { message: received('m1') };
    const error = await failures.send(entry, refusalError, 1, tally).catch((error: unknown) => error);
    expect(error).toBeInstanceOf(Outage);
    expect((error as Outage).error).toMatchObject({ message: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(journal).toEqual([]);
    expect(entry).toEqual({ message: entry.message });
    expect(progress.failed).toBe(0);
  });

  it('passes any other error of the failure store on as it is', async () => {
    const { failures, sink, tally } = sender();
    const broken = bug();
    sink.failureStore.onAdd = () => {
      throw broken;
    };
    await expect(failures.send({ message: received('m1') }, refusalError, 1, tally)).rejects.toBe(broken);
  });

  it('counts a message whose acknowledgement failed as failed, and warns that it will come again', async () => {
    const { failures, transport, journal, progress, lines, tally } = sender();
    transport.onAck = () => {
      throw new Error('channel closed');
    };
    const entry: TrackedMessage = { message: received('m1') };
    await failures.send(entry, refusalError, 1, tally);
    expect(journal).toEqual(['failed m1']);
    expect(lines.warn).toEqual([
      'routeperf worker: 1 handled message(s) not acknowledged; they will come again and count once: channel closed',
    ]);
    expect(entry.done).toBe(true);
    expect(progress.failed).toBe(1);
  });
});
