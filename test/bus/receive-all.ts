import type { ReceivedMessage, Transport } from '../../src/bus/transport.js';

/**
 * Receives until `count` messages came or `deadlineMs` passed; acknowledges them unless told not to.
 * The deadline only bounds a failing test: a passing one returns as soon as the messages are there.
 */
export async function receiveAll(
  transport: Transport,
  count: number,
  { max = 500, ack = true, deadlineMs = 15_000 } = {},
): Promise<{ messages: ReceivedMessage[]; batches: number[] }> {
  const messages: ReceivedMessage[] = [];
  const batches: number[] = [];
  const deadline = Date.now() + deadlineMs;
  while (messages.length < count && Date.now() < deadline) {
    const batch = await transport.receive(max, 100);
    if (batch.length === 0) continue;
    batches.push(batch.length);
    messages.push(...batch);
    if (ack) await transport.ack(batch);
  }
  return { messages, batches };
}
