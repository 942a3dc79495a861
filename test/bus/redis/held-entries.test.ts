import { describe, expect, it } from 'vitest';
import { HeldEntries } from '../../../src/bus/transports/redis/held-entries.js';

const bodies = (messages: readonly { body: string }[]) => messages.map((message) => message.body);

/** Entry `1-0` of three messages and entry `2-0` of one, all handed out. */
function heldTwoEntries() {
  const held = new HeldEntries();
  held.hold('1-0', ['a', 'b', 'c'], 0);
  held.hold('2-0', ['d'], 2);
  const [a, b, c, d] = held.handOut(10);
  return { held, a: a!, b: b!, c: c!, d: d! };
}

describe('redis held entries', () => {
  it('hands out the messages of the entries held, in order, and carries over what is beyond `max`', () => {
    const held = new HeldEntries();
    held.hold('1-0', ['a', 'b', 'c'], 0);
    held.hold('2-0', ['d', 'e'], 1);
    expect(held.carried).toBe(5);
    expect(bodies(held.handOut(2))).toEqual(['a', 'b']);
    expect(held.carried).toBe(3);
    held.hold('3-0', ['f'], 0);
    const rest = held.handOut(10);
    expect(bodies(rest)).toEqual(['c', 'd', 'e', 'f']);
    expect(rest.map((message) => message.redeliveries)).toEqual([0, 1, 1, 0]);
    expect(held.carried).toBe(0);
    expect(held.handOut(10)).toEqual([]);
    expect(held.totals).toEqual({ entries: 3, messages: 6 });
  });

  it('settles an entry once all of its messages are acknowledged, and only then lets it go', () => {
    const { held, a, b, c, d } = heldTwoEntries();
    const partial = held.settle([a, b, d], false);
    expect(partial.acknowledged).toEqual(['2-0']);
    expect(partial.released).toEqual([]);
    partial.confirm();
    expect(held.has('1-0')).toBe(true);
    expect(held.has('2-0')).toBe(false);
    const last = held.settle([c], false);
    expect(last.acknowledged).toEqual(['1-0']);
    last.confirm();
    expect(held.has('1-0')).toBe(false);
  });

  it('keeps an entry in hand until its settlement is confirmed', () => {
    const { held, d } = heldTwoEntries();
    const settlement = held.settle([d], false);
    expect(held.has('2-0')).toBe(true);
    settlement.confirm();
    expect(held.has('2-0')).toBe(false);
  });

  it('releases an entry whole when any of its messages was released, once all are settled', () => {
    const { held, a, b, c } = heldTwoEntries();
    expect(held.settle([a], true).isEmpty).toBe(true);
    const settlement = held.settle([b, c], false);
    expect(settlement.acknowledged).toEqual([]);
    expect(settlement.released).toEqual(['1-0']);
  });

  it('counts a message once, however often it is acknowledged', () => {
    const { held, a, b, c } = heldTwoEntries();
    expect(held.settle([a, a], false).isEmpty).toBe(true);
    expect(held.settle([a, b], false).isEmpty).toBe(true);
    expect(held.settle([c], false).acknowledged).toEqual(['1-0']);
    expect(held.settle([a, b, c], false).isEmpty).toBe(true);
  });

  it('counts nothing of a settlement undone, so that the same call can be made again', () => {
    const { held, a, b, c } = heldTwoEntries();
    expect(held.settle([a], true).isEmpty).toBe(true);
    const failed = held.settle([b, c], false);
    expect(failed.acknowledged).toEqual([]);
    expect(failed.released).toEqual(['1-0']);
    failed.undo();
    expect(held.has('1-0')).toBe(true);
    const again = held.settle([b, c], false);
    expect(again.released).toEqual(['1-0']);
  });

  it('undoes a release too: acknowledged after all, the entry is acknowledged', () => {
    const { held, a, b, c } = heldTwoEntries();
    expect(held.settle([a, b], false).isEmpty).toBe(true);
    const failed = held.settle([c], true);
    expect(failed.released).toEqual(['1-0']);
    failed.undo();
    const again = held.settle([c], false);
    expect(again.acknowledged).toEqual(['1-0']);
    expect(again.released).toEqual([]);
  });

  it('has nothing to settle for no messages', () => {
    expect(new HeldEntries().settle([], false).isEmpty).toBe(true);
  });
});
