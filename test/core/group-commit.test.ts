import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/core/group-commit.js';
import type { RequestMetrics } from '../../src/record/metrics.js';
import { requestMetrics } from '../support/metrics.js';

const metrics = (id: string) => requestMetrics({ id });

/** A write that records each batch it gets and settles when the test says so. */
function controlledWrite(fail: (batch: RequestMetrics[]) => Error | undefined = () => undefined) {
  const batches: string[][] = [];
  const pending: (() => void)[] = [];
  const write = (batch: RequestMetrics[]) => {
    batches.push(batch.map((m) => m.id));
    return new Promise<void>((resolve, reject) => {
      pending.push(() => {
        const error = fail(batch);
        if (error) reject(error);
        else resolve();
      });
    });
  };
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
  /** Lets every write started so far, and every write they lead to, settle. */
  const flush = async () => {
    await nextTurn();
    while (pending.length > 0) {
      pending.shift()!();
      await nextTurn();
    }
  };
  return { write, batches, flush, nextTurn };
}

describe('GroupCommit', () => {
  it('writes the requests of one turn together, and those that finish during a write in the next group', async () => {
    const { write, batches, flush, nextTurn } = controlledWrite();
    const group = new GroupCommit(write, () => false);
    const first = ['a', 'b'].map((id) => group.submit(metrics(id)));
    await nextTurn();
    const second = ['c', 'd', 'e'].map((id) => group.submit(metrics(id)));
    await flush();
    expect(await Promise.all([...first, ...second])).toEqual(Array(5).fill({ stored: true }));
    expect(batches).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
  });

  it('isolates the request a database refused by writing the failed group one by one', async () => {
    const refused = new Error('value too long');
    const { write, batches, flush } = controlledWrite((batch) =>
      batch.some((m) => m.id === 'bad') ? refused : undefined,
    );
    const group = new GroupCommit(write, () => false);
    const outcomes = ['ok1', 'bad', 'ok2'].map((id) => group.submit(metrics(id)));
    await flush();
    expect(await Promise.all(outcomes)).toEqual([
      { stored: true },
      { stored: false, error: refused },
      { stored: true },
    ]);
    expect(batches).toEqual([['ok1', 'bad', 'ok2'], ['ok1'], ['bad'], ['ok2']]);
  });

  it('fails a whole group at once when the database is out of reach', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const { write, batches, flush } = controlledWrite(() => down);
    const group = new GroupCommit(write, (error) => error === down);
    const outcomes = ['a', 'b', 'c'].map((id) => group.submit(metrics(id)));
    await flush();
    expect(await Promise.all(outcomes)).toEqual(Array(3).fill({ stored: false, error: down }));
    expect(batches).toEqual([['a', 'b', 'c']]);
  });
});
