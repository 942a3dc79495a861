import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRecord,
  encodeRecord,
  messageIdOf,
  PoisonMessageError,
  recordSchema,
} from '../../src/record/envelope.js';
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

  it('carries the correlation id, and still decodes a message written before it existed', () => {
    const metrics = requestMetrics({ correlationId: 'client-id-0001' });
    expect(JSON.parse(encodeRecord(metrics)).body.correlationId).toBe('client-id-0001');
    expect(decodeRecord(encodeRecord(metrics))).toEqual(metrics);
    const older =
      '{"type":"routeperf.record","v":1,"id":"req-1","ts":1700000000000,"body":{"environment":"test",' +
      '"method":"GET","route":"/users/:id","statusCode":200,"requestTime":10,"queryCount":2,"queryTime":3,' +
      '"memory":50000000}}';
    expect(decodeRecord(older)).not.toHaveProperty('correlationId');
    expect(decodeRecord(older)).toMatchObject({ id: 'req-1', route: '/users/:id' });
  });

  it('carries the most repeated SQL shape of the request', () => {
    const metrics = requestMetrics({ queryRepeat: 50, repeatedQuery: 'select * from items where id = ?' });
    expect(decodeRecord(encodeRecord(metrics))).toEqual(metrics);
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
      envelope({}, { correlationId: 'x'.repeat(129) }),
      /correlationId: expected a string of 0 to 128 characters/,
    ],
    [envelope({}, { queryRepeat: 2.5 }), /queryRepeat: expected a whole number of at least 0/],
    [
      envelope({}, { repeatedQuery: 'x'.repeat(1001) }),
      /repeatedQuery: expected a string of 1 to 1000 characters/,
    ],
    [
      JSON.stringify({ type: 'routeperf.record', v: 1, id: 'a', ts: 1, body: null }),
      /^invalid body: \(message\): expected an object/,
    ],
  ])('rejects %s as a poison message', (raw, message) => {
    expect(() => decodeRecord(raw)).toThrow(PoisonMessageError);
    expect(() => decodeRecord(raw)).toThrow(message);
  });

  it('decodes exactly the messages the schema accepts, the fast path and zod alike', () => {
    // Each field valid 19 times in 20, else wrong in one of the ways a schema can catch.
    const mostly = <T>(valid: fc.Arbitrary<T>, ...invalid: fc.Arbitrary<unknown>[]) =>
      fc.oneof({ arbitrary: valid, weight: 19 }, { arbitrary: fc.oneof(...invalid), weight: 1 });
    const text = (min: number, max: number) =>
      mostly(
        fc.oneof(fc.string({ minLength: min, maxLength: 40 }), fc.constant('x'.repeat(max))),
        fc.string({ minLength: max + 1, maxLength: max + 3 }),
        min > 0 ? fc.constant('') : fc.constant(null),
        fc.integer(),
      );
    const whole = (min: number, max: number) =>
      mostly(
        fc.integer({ min, max }),
        fc.integer({ min: min - 3, max: min - 1 }),
        fc.integer({ min: max + 1, max: max + 3 }),
        fc.constant(min + 0.5),
        fc.constant(String(min)),
      );
    const amount = mostly(
      fc.double({ min: 0, max: 1e9, noNaN: true }),
      fc.constant(-0.001),
      fc.constant('1'),
    );
    const body = fc.record(
      {
        environment: text(1, 64),
        method: text(1, 16),
        route: text(1, 600),
        statusCode: whole(100, 999),
        requestTime: amount,
        queryCount: whole(0, 1000),
        queryTime: amount,
        memory: amount,
        correlationId: text(0, 128),
        path: text(0, 2048),
        referer: text(0, 2048),
        userId: text(0, 255),
        extra: mostly(fc.constant(undefined), fc.boolean()),
      },
      {
        requiredKeys: [
          'environment',
          'method',
          'route',
          'statusCode',
          'requestTime',
          'queryCount',
          'queryTime',
          'memory',
        ],
      },
    );
    const message = fc.record({
      type: mostly(fc.constant('routeperf.record'), fc.constant('other')),
      v: mostly(fc.constant(1), fc.constant(2), fc.constant('1')),
      id: text(1, 128),
      ts: whole(0, 2 ** 45),
      body: mostly(body, fc.constant(null), fc.constant([])),
    });
    let valid = 0;
    fc.assert(
      fc.property(message, (candidate) => {
        const raw = JSON.stringify(candidate);
        const expected = recordSchema.safeParse(JSON.parse(raw));
        if (!expected.success) {
          expect(() => decodeRecord(raw)).toThrow(PoisonMessageError);
          return;
        }
        valid += 1;
        const { id, ts, body: fields } = expected.data;
        expect(decodeRecord(raw)).toEqual({ ...fields, id, ts });
      }),
      { numRuns: 2000 },
    );
    // Both outcomes must have been tried many times for the agreement to mean something.
    expect(valid).toBeGreaterThan(200);
    expect(valid).toBeLessThan(1900);
  });
});
