import { describe, expect, it } from 'vitest';
import { OutageReport } from '../../../src/bus/worker/outage-report.js';
import { Receiver } from '../../../src/bus/worker/receiver.js';
import { RetryPolicy } from '../../../src/bus/worker/retry-policy.js';
import { DEFAULT_RETRY } from '../../../src/config/retry.js';
import { RecordedPauses } from './batch-parts.js';
import { bug, FakeTransport, outage, received } from './fakes.js';

const DOWN = 'connect ECONNREFUSED 127.0.0.1:6379';

function receiverOfFake() {
  const transport = new FakeTransport();
  const pauses = new RecordedPauses();
  const lines: string[] = [];
  const receiver = new Receiver({
    transport,
    waitMs: 1000,
    policy: new RetryPolicy({ ...DEFAULT_RETRY, jitter: 0, delay: 1000, multiplier: 2 }),
    pauses,
    transportOutage: new OutageReport(transport.description, (line) => lines.push(line)),
  });
  return { receiver, transport, pauses, lines };
}

describe('Receiver', () => {
  it('sets the transport up at the first receive only', async () => {
    const { receiver, transport } = receiverOfFake();
    transport.add(received('a'), received('b'), received('c'));
    expect((await receiver.receive(2)).map((message) => message.handle)).toEqual(['a', 'b']);
    expect((await receiver.receive(2)).map((message) => message.handle)).toEqual(['c']);
    expect(transport.setups).toBe(1);
  });

  it('waits out a transport that is unavailable from the start, then sets it up and receives', async () => {
    const { receiver, transport, pauses, lines } = receiverOfFake();
    transport.add(received('a'));
    let outages = 2;
    transport.onReceive = () => {
      if (outages-- > 0) throw outage(DOWN);
    };
    expect(await receiver.receive(10)).toEqual([]);
    expect(await receiver.receive(10)).toEqual([]);
    expect((await receiver.receive(10)).map((message) => message.handle)).toEqual(['a']);
    expect(pauses.asked).toEqual([1000, 2000]);
    expect(lines).toEqual([
      `fake://queue is unavailable, retrying in 1 s: ${DOWN}`,
      'fake://queue is reachable again after 2 failed attempts; going on',
    ]);
  });

  it('throws an error that is not an outage', async () => {
    const { receiver, transport } = receiverOfFake();
    const broken = bug();
    transport.onReceive = () => {
      throw broken;
    };
    await expect(receiver.receive(10)).rejects.toBe(broken);
  });
});
