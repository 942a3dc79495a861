import { expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/types.js';
import { afterRecordHook } from '../../src/routeperf/after-record.js';
import { requestMetrics } from '../support/metrics.js';

function withHook(afterRecord: ResolvedConfig['afterRecord']) {
  const logged: [string, string, unknown][] = [];
  const hook = afterRecordHook({ afterRecord } as ResolvedConfig, (kind, message, error) =>
    logged.push([kind, message, error]),
  );
  return { hook, logged };
}

const result = { metrics: requestMetrics(), stored: true };

it("hands the result to the app's afterRecord", () => {
  const seen: unknown[] = [];
  const { hook, logged } = withHook((given) => {
    seen.push(given);
  });
  hook(result);
  expect(seen).toEqual([result]);
  expect(logged).toEqual([]);
});

it('logs what the hook throws or rejects with, and never passes it on', async () => {
  const thrown = new Error('thrown');
  const rejected = new Error('rejected');
  const throwing = withHook(() => {
    throw thrown;
  });
  const rejecting = withHook(async () => {
    throw rejected;
  });
  expect(() => throwing.hook(result)).not.toThrow();
  rejecting.hook(result);
  await new Promise((resolve) => setImmediate(resolve));
  expect(throwing.logged).toEqual([['afterRecord', 'afterRecord hook failed', thrown]]);
  expect(rejecting.logged).toEqual([['afterRecord', 'afterRecord hook failed', rejected]]);
});

it('does nothing without a hook', () => {
  const { hook, logged } = withHook(undefined);
  hook(result);
  expect(logged).toEqual([]);
});
