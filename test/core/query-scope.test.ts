import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  createScope,
  endQuery,
  outsideRequests,
  runInScope,
  startNamedQuery,
  startQuery,
  trackQuery,
} from '../../src/core/scope.js';
import { concurrentAttribution, misattributed } from '../support/query-attribution.js';

describe('the request scope', () => {
  it('gives each of 100 concurrent requests exactly its own queries and query time', async () => {
    const requests = await concurrentAttribution(async (count, delayMs, index) => {
      for (let i = 0; i < count; i++)
        await trackQuery(() => sleep(delayMs), `select * from t where tenant = ${index} and id = ${i}`);
    });
    expect(misattributed(requests)).toEqual([]);
    // Each request ran one shape `count` times.
    for (const { count, metrics } of requests) {
      expect(metrics.queryRepeat).toBe(count);
      expect(metrics.repeatedQuery).toBe(
        count > 1 ? 'select * from t where tenant = ? and id = ?' : undefined,
      );
    }
  });

  it('counts the most repeated shape and which it is', () => {
    const scope = createScope();
    runInScope(scope, () => {
      for (const id of [1, 2, 3]) endQuery(startQuery(`SELECT * FROM items WHERE order_id = ${id}`));
      endQuery(startQuery('SELECT * FROM orders WHERE user_id = $1'));
      endQuery(startNamedQuery('User.findMany'));
      endQuery(startQuery());
    });
    expect(scope.queryCount).toBe(6);
    expect(scope.queryRepeat).toBe(3);
    expect(scope.repeatedQuery).toBe('SELECT * FROM items WHERE order_id = ?');
    expect(scope.shapes?.size).toBe(3);
  });

  it('counts nothing outside a request, nor inside outsideRequests', async () => {
    expect(startQuery('select 1')).toBeUndefined();
    const scope = createScope();
    await runInScope(scope, () =>
      outsideRequests(async () => {
        await sleep(1);
        expect(startQuery('select 1')).toBeUndefined();
      }),
    );
    expect(scope.queryCount).toBe(0);
  });

  it('ends the timing of a query that throws, and rethrows', () => {
    const scope = createScope();
    expect(() =>
      runInScope(scope, () =>
        trackQuery(() => {
          throw new Error('syntax error');
        }),
      ),
    ).toThrow('syntax error');
    expect(scope.queryCount).toBe(1);
    expect(scope.queryTime).toBeGreaterThanOrEqual(0);
  });

  it('hands back the promise of an async query as it is, timed until it settles, rejected or not', async () => {
    const scope = createScope();
    const failing = sleep(5).then(() => Promise.reject(new Error('deadlock')));
    const succeeding = sleep(5).then(() => 'rows');
    const returned = runInScope(scope, () => [trackQuery(() => failing), trackQuery(() => succeeding)]);
    expect(returned[0]).toBe(failing);
    expect(returned[1]).toBe(succeeding);
    await expect(failing).rejects.toThrow('deadlock');
    await expect(succeeding).resolves.toBe('rows');
    expect(scope.queryCount).toBe(2);
    // Each waited at least 5 ms (less a timer's millisecond) before it settled.
    expect(scope.queryTime).toBeGreaterThanOrEqual(2 * 4);
  });
});

describe('the recorded shape', () => {
  it('is cut to what the stores keep, and left out when empty', async () => {
    const requests = await concurrentAttribution(async (count, _delayMs, index) => {
      const shape = index % 2 ? 'x'.repeat(5000) : '';
      for (let i = 0; i < count; i++) endQuery(startNamedQuery(shape));
    }, 4);
    const [, long, empty] = [requests[0]!, requests[1]!, requests[2]!];
    expect(long.metrics.queryRepeat).toBe(2);
    expect(long.metrics.repeatedQuery).toHaveLength(1000);
    expect(empty.metrics.queryRepeat).toBe(3);
    expect(empty.metrics).not.toHaveProperty('repeatedQuery');
  });
});
