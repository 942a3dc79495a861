import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, messageIdOf, PoisonMessageError } from '../../src/bus/envelope.js';
import { requestMetrics } from '../support/metrics.js';

const envelope = (overrides: Record<string, unknown> = {}, body: Record<string, unknown> = {}) => {
  const parsed = JSON.parse(encodeRecord(requestMetrics({ id: 'req-1', ts: 1_700_000_000_000 })));
  return JSON.stringify({ ...parsed, ...overrides, body: { ...parsed.body, ...body } });
};

describe('the routeperf.record envelope', () => {
  it('round-trips metrics through the versioned JSON envelope', () => {
    const metrics = requestMetrics({ path: '/users/1?x=é', referer: 'https://a.example/', userId: '42' });
    const raw = encodeRecord(metrics);
    expect(JSON.parse(raw)).toMatchObject({ type: 'routeperf.record', v: 1, id: metrics.id, ts: metrics.ts });
    expect(decodeRecord(raw)).toEqual(metrics);
    expect(messageIdOf(raw)).toBe(metrics.id);
  });

  it.each([
    ['{not json', /^not JSON: /],
    ['[1, 2]', /^not a routeperf\.record envelope: \(message\): expected an object/],
    [envelope({ type: 'other' }), /^not a routeperf\.record envelope: type/],
    [envelope({ id: '' }), /id: expected a string of 1 to 128 characters/],
    [envelope({ ts: 1.5 }), /ts: expected a whole number of at least 0/],
    [envelope({ v: 2 }), /^unknown version 2 of routeperf\.record .*upgrade the worker/],
    [
      envelope({}, { statusCode: 'ok' }),
      /^invalid body: statusCode: expected a whole number from 100 to 999/,
    ],
    [envelope({}, { requestTime: -1 }), /requestTime: expected a number of at least 0/],
    [envelope({}, { route: 'x'.repeat(601) }), /route: expected a string of 1 to 600 characters/],
    [envelope({}, { extra: true }), /^invalid body: extra: unknown field/],
    [
      JSON.stringify({ type: 'routeperf.record', v: 1, id: 'a', ts: 1, body: null }),
      /^invalid body: \(message\): expected an object/,
    ],
  ])('rejects %s as a poison message', (raw, message) => {
    expect(() => decodeRecord(raw)).toThrow(PoisonMessageError);
    expect(() => decodeRecord(raw)).toThrow(message);
  });
});
