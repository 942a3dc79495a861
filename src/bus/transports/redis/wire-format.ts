/**
 * How messages are written into stream entries and read back. An entry carries up to `pack` messages sent
 * together: one XADD for many requests on the app's side, one reply entry and one id to acknowledge for
 * many messages on the worker's.
 */
import { flatRecord } from './replies.js';

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
 * The fields of the entries that carry `bodies`, in order, up to `pack` an entry. A body that holds the
 * separator goes alone in an entry of one: joined, it would be split wrongly.
 */
export function encodeEntries(bodies: readonly string[], pack: number): string[][] {
  const entries: string[][] = [];
  let group: string[] = [];
  const closeGroup = () => {
    if (group.length > 0) entries.push(encodeEntry(group));
    group = [];
  };
  for (const body of bodies) {
    if (body.includes(SEPARATOR)) {
      closeGroup();
      entries.push(encodeEntry([body]));
    } else {
      group.push(body);
      if (group.length === pack) closeGroup();
    }
  }
  closeGroup();
  return entries;
}

/** `m <body>` for one body, `n <count> b <bodies joined>` for more: none of them may hold the separator. */
function encodeEntry(bodies: readonly string[]): string[] {
  if (bodies.length === 1) return [BODY_FIELD, bodies[0]!];
  return [COUNT_FIELD, String(bodies.length), BODIES_FIELD, bodies.join(SEPARATOR)];
}

/**
 * The messages of an entry, in the order they were sent: one for an `m` entry, `n` for a packed one. An
 * entry some other program added without routeperf's fields, or a packed one that does not split into its
 * count, becomes one message, its fields as JSON, which the worker cannot decode and moves to the failure
 * store, where it can be seen, rather than an entry silently skipped.
 */
export function decodeEntry(fields: string[]): string[] {
  if (fields.length === 2 && fields[0] === BODY_FIELD) return [fields[1]!];
  if (fields.length === 4 && fields[0] === COUNT_FIELD && fields[2] === BODIES_FIELD) {
    const bodies = fields[3]!.split(SEPARATOR);
    if (bodies.length === Number(fields[1])) return bodies;
  } else {
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === BODY_FIELD) return [fields[i + 1]!];
  }
  return [JSON.stringify(flatRecord(fields))];
}
