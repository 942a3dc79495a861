import { afterEach } from 'vitest';

/** Returns `defer(task)`: each task runs after the current test, in the order deferred. */
export function deferAfterEach() {
  let tasks: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    const current = tasks;
    tasks = [];
    for (const task of current) await task();
  });
  return (task: () => Promise<void> | void) => {
    tasks.push(task);
  };
}
