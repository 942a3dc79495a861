import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntries } from '../../../src/bus/transports/redis/wire-format.js';

const decodeAll = (entries: string[][]) => entries.flatMap(decodeEntry);

describe('redis wire format', () => {
  it('gives back every body, in order, whatever the bodies and the pack size', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.integer({ min: 1, max: 5 }), (bodies, pack) => {
        const entries = encodeEntries(bodies, pack);
        expect(decodeAll(entries)).toEqual(bodies);
        for (const entry of entries) expect(decodeEntry(entry).length).toBeLessThanOrEqual(pack);
      }),
    );
  });

  it('writes one body as an `m` entry and several as a counted `n … b …` entry', () => {
    expect(encodeEntries(['only'], 100)).toEqual([['m', 'only']]);
    expect(encodeEntries(['a', 'b', 'c'], 100)).toEqual([['n', '3', 'b', 'a\nb\nc']]);
  });

  it('packs up to `pack` bodies an entry, one per entry with pack=1', () => {
    expect(encodeEntries(['a', 'b', 'c', 'd', 'e'], 2)).toEqual([
      ['n', '2', 'b', 'a\nb'],
      ['n', '2', 'b', 'c\nd'],
      ['m', 'e'],
    ]);
    expect(encodeEntries(['a', 'b'], 1)).toEqual([
      ['m', 'a'],
      ['m', 'b'],
    ]);
  });

  it('writes a body holding the separator alone, between the packed entries around it', () => {
    const bodies = ['a', 'b', 'two\nlines', 'c', 'crlf\r\nend\n', '', 'd'];
    const entries = encodeEntries(bodies, 100);
    expect(entries).toEqual([
      ['n', '2', 'b', 'a\nb'],
      ['m', 'two\nlines'],
      ['m', 'c'],
      ['m', 'crlf\r\nend\n'],
      ['n', '2', 'b', '\nd'],
    ]);
    expect(decodeAll(entries)).toEqual(bodies);
  });

  it('writes no entry for no bodies', () => {
    expect(encodeEntries([], 100)).toEqual([]);
  });

  it('reads an `m` field among fields of another program', () => {
    expect(decodeEntry(['x', '1', 'm', 'body', 'y', '2'])).toEqual(['body']);
  });

  it('reads a malformed entry as one message, its fields as JSON', () => {
    // Packed, but the bodies do not split into the count.
    expect(decodeEntry(['n', '3', 'b', 'only\ntwo'])).toEqual(['{"n":"3","b":"only\\ntwo"}']);
    // Another program's entry, without routeperf's fields.
    expect(decodeEntry(['foreign', 'entry'])).toEqual(['{"foreign":"entry"}']);
    // The packed fields in another order.
    expect(decodeEntry(['b', 'a\nb', 'n', '2'])).toEqual(['{"b":"a\\nb","n":"2"}']);
  });
});
