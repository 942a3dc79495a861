import { describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../../src/bus/transports/memory/index.js';

describe('memory transport errors: what they mean', () => {
  it('a full queue is an overload: the send goes through once the worker stored some', async () => {
    const transport = new MemoryTransport(new URL('memory://?maxQueue=1'));
    await transport.send(['a']);
    const error = await transport.send(['b']).catch((rejection: unknown) => rejection);
    expect(transport.causeOf(error)).toBe('overloaded');
    await transport.ack(await transport.receive(1, 0));
    await transport.send(['b']);
    expect(transport.held).toBe(1);
  });

  it('an error of no known kind is a bug', () => {
    const transport = new MemoryTransport(new URL('memory://'));
    expect(transport.causeOf(new TypeError('undefined is not a function'))).toBe('bug');
  });
});
