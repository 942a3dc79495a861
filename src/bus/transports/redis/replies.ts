/**
 * The field of an entry that carries one message: `m <body>`. What every entry was before packing, and
 * still is for a send of one message (the common case at low traffic), with `pack=1`, and for a body that
 * holds a newline — so that entries written by an older routeperf are read as they were.
 */
export const BODY_FIELD = 'm';
/**
 * The fields of an entry that carries several messages: `n <count> b <bodies joined by "\n">`. Names of
 * their own rather than `m`: an older routeperf reading such an entry moves it to the failure store, where
 * it can be seen, instead of storing the joined text as one message. The count lets the reader check the
 * split: an entry whose bodies do not split into `n` is read as unreadable rather than cut wrongly.
 * One letter each, as `m`: a stream stores the names again in every entry whose fields differ from those
 * of the first entry of its node, and every reply carries them.
 */
export const COUNT_FIELD = 'n';
export const BODIES_FIELD = 'b';
/**
 * Between the bodies of a packed entry. JSON as encodeRecord writes it never holds a raw newline (it is
 * escaped as `\n` inside strings); a body that does (raw text the failure store sends again) goes alone in
 * an `m` entry.
 */
export const SEPARATOR = '\n';

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

/**
 * The messages of an entry, in the order they were sent: one for an `m` entry, `n` for a packed one. An
 * entry some other program added without routeperf's fields, or a packed one that does not split into its
 * count, becomes one message, its fields as JSON, which the worker cannot decode and moves to the failure
 * store, where it can be seen, rather than an entry silently skipped.
 */
export function bodiesOf(fields: string[]): string[] {
  if (fields.length === 2 && fields[0] === BODY_FIELD) return [fields[1]!];
  if (fields.length === 4 && fields[0] === COUNT_FIELD && fields[2] === BODIES_FIELD) {
    const bodies = fields[3]!.split(SEPARATOR);
    if (bodies.length === Number(fields[1])) return bodies;
  } else {
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === BODY_FIELD) return [fields[i + 1]!];
  }
  return [JSON.stringify(flatRecord(fields))];
}

/** The values of a flat `[key, value, key, value…]` reply (XINFO GROUPS), by key. */
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
