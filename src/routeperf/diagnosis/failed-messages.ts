import type { Store } from '../../store/store.js';
import { plural } from '../count-text.js';
import type { Problem } from './types.js';
import { within } from './within.js';

/** The messages workers gave up on; null when the failure store cannot be read. */
export async function checkFailedMessages(store: Store, problems: Problem[]): Promise<number | null> {
  const count = await within((await store.failures()).count(), 'the failure store').catch(() => null);
  if (count) {
    const them = count === 1 ? 'it' : 'them';
    problems.push({
      code: 'failed-messages',
      message: `${plural(count, 'message')} in the failure store: workers gave up on ${them}; see why, then retry or remove ${them}`,
      fix: 'run: npx routeperf failed list',
    });
  }
  return count;
}
