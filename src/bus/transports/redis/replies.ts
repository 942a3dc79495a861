/**
 * A stream entry as XREADGROUP and XAUTOCLAIM return it. `fields` is null for an entry still in a pending
 * list after it left the stream (trimmed by MAXLEN, or deleted).
 */
export type StreamEntry = [id: string, fields: string[] | null];

/** The entries of an XREADGROUP reply on one stream: `[[stream, entries]]`, or null when there is none. */
export function readEntries(reply: unknown): StreamEntry[] {
  const streams = reply as [stream: string, entries: StreamEntry[]][] | null;
  return streams?.[0]?.[1] ?? [];
}

/** The entries of an XAUTOCLAIM reply: `[next cursor, entries, ids deleted from the stream (Redis 7)]`. */
export function claimedEntries(reply: unknown): { cursor: string; entries: StreamEntry[] } {
  const [cursor, entries] = reply as [string, StreamEntry[]];
  return { cursor, entries };
}

/** The values of a flat `[key, value, key, value…]` reply (XINFO GROUPS, an entry's fields), by key. */
export function flatRecord(reply: unknown): Record<string, unknown> {
  const flat = reply as unknown[];
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[String(flat[i])] = flat[i + 1];
  return record;
}

/** The replies of a pipeline or a MULTI, or the first error among them. */
export function repliesOf(results: [error: Error | null, reply: unknown][] | null): unknown[] {
  if (!results) throw new Error('the Redis transaction was aborted');
  for (const [error] of results) if (error) throw error;
  return results.map(([, reply]) => reply);
}

/** Redis error replies start with their code: `NOGROUP No such key…`. */
export function hasErrorCode(error: unknown, code: 'NOGROUP' | 'BUSYGROUP'): boolean {
  return error instanceof Error && error.message.startsWith(code);
}

/** XINFO on a key that does not exist. */
export function hasNoSuchKey(error: unknown): boolean {
  return error instanceof Error && /^ERR no such key/i.test(error.message);
}
