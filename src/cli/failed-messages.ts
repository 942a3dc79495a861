import type { FailedMessage, FailureLog } from '../store/failures.js';
import type { PositionalSpec } from './command.js';
import { usageError } from './usage-error.js';
import { positiveIds } from './values.js';

export const IDS_ARGUMENT: PositionalSpec = {
  name: 'id',
  variadic: true,
  usage: '<id…>|--all',
  description: 'Ids of failed messages, as "routeperf failed list" shows them',
};

export const ALL_OPTION = { type: 'boolean', description: 'Every failed message instead of ids' } as const;

/** The ids given, or 'all' for --all; exactly one of the two must be given. */
export function idsOrAll(given: readonly string[], all: boolean | undefined): number[] | 'all' {
  if (all && given.length > 0) {
    throw usageError(`expected ids or --all, got both (${given.join(' ')} and --all)`);
  }
  if (all) return 'all';
  if (given.length === 0) throw usageError('expected ids of failed messages or --all, got nothing');
  return positiveIds('id', given);
}

/**
 * The failed messages of `ids`; when some do not exist, says which on stderr and resolves to undefined,
 * and the command does nothing at all and exits 1 (a typo in one id should not half-run the command).
 */
export async function knownMessages(
  failures: FailureLog,
  ids: readonly number[],
  command: string,
): Promise<FailedMessage[] | undefined> {
  const found = await failures.get(ids);
  const unknown = ids.filter((id) => !found.some((message) => message.id === id));
  if (unknown.length === 0) return found;
  const which = unknown.length === 1 ? `id ${unknown[0]}` : `ids ${unknown.join(', ')}`;
  process.stderr.write(
    `routeperf ${command}: no failed message with ${which}; nothing was done. Run "routeperf failed list" to see the ids.\n`,
  );
  return undefined;
}

/** Ids of every failed message now, oldest first; read in pages so that no body is held for long. */
export async function allIds(failures: FailureLog): Promise<number[]> {
  const ids: number[] = [];
  const page = 1000;
  for (let offset = 0; ; offset += page) {
    const messages = await failures.list({ limit: page, offset });
    ids.push(...messages.map((message) => message.id));
    if (messages.length < page) return ids;
  }
}
