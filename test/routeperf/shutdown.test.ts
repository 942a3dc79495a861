import { expect, it } from 'vitest';
import { closeInOrder } from '../../src/routeperf/shutdown.js';

it('closes each part after the one before it has finished, once however often it is called', async () => {
  const steps: string[] = [];
  const part = (name: string) => ({
    close: async () => {
      steps.push(`${name} starts`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      steps.push(`${name} done`);
    },
  });
  const close = closeInOrder([part('producer'), { close: () => steps.push('signals') }, part('store')]);
  const first = close();
  const second = close();
  expect(second).toBe(first);
  await Promise.all([first, second, close()]);
  expect(steps).toEqual(['producer starts', 'producer done', 'signals', 'store starts', 'store done']);
});

it('rejects with the error of a part that fails, and closes nothing after it', async () => {
  const closed: string[] = [];
  const close = closeInOrder([
    {
      close: async () => {
        throw new Error('cannot close');
      },
    },
    { close: () => closed.push('store') },
  ]);
  await expect(close()).rejects.toThrow('cannot close');
  expect(closed).toEqual([]);
});
