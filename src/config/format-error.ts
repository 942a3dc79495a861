import type { z } from 'zod';
import { redactDsn } from '../dsn.js';

/**
 * Renders zod issues as `key.path: expected …, got …` lines. An unknown key, at any depth, gets a
 * "did you mean" when a known key is close, and the list of the keys allowed where it stands.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown, schema: z.ZodType) {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const knownKeys = keysAt(schema, issue.path);
      return issue.keys.map((key) => {
        const path = joinPath([...issue.path, key]);
        const hint = closest(key, knownKeys);
        return `${path}: unknown key${hint ? `; did you mean "${hint}"?` : ''} (expected one of ${knownKeys.join(', ')})`;
      });
    }
    const value = valueAt(input, issue.path);
    return [`${joinPath(issue.path)}: ${issue.message}, got ${describe(value)}`];
  });
}

/** The keys an object of `schema` may have at `path`, walking through optional values, records and unions. */
function keysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, any>;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
      return keysAt(def.innerType, path);
    case 'union':
      return (def.options as z.core.$ZodType[]).flatMap((option) => keysAt(option, path));
    case 'object': {
      if (path.length === 0) return Object.keys(def.shape);
      const [key, ...rest] = path;
      const field = def.shape[key as string];
      return field ? keysAt(field, rest) : [];
    }
    case 'record':
      return path.length === 0 ? [] : keysAt(def.valueType, path.slice(1));
    case 'array':
      return path.length === 0 ? [] : keysAt(def.element, path.slice(1));
    default:
      return [];
  }
}

function joinPath(path: readonly PropertyKey[]) {
  return path
    .map((part) => (typeof part === 'number' ? `[${part}]` : String(part)))
    .join('.')
    .replace(/\.\[/g, '[');
}

function valueAt(input: unknown, path: readonly PropertyKey[]) {
  let value = input;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array ${truncate(JSON.stringify(value))}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  // Any string may be a database URL or a DSN with its password.
  const text = truncate(JSON.stringify(typeof value === 'string' ? redactDsn(value) : value));
  return typeof value === 'string' && text.endsWith('…') ? `${text} (${[...value].length} characters)` : text;
}

function truncate(text: string) {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * The known key nearest to `key` by edit distance, when it is close enough to be a typo (about one edit
 * in three characters of the longer name). Of two equally near, the one sharing the longer start wins:
 * `maxRetry` is `maxRetries`, not `maxDelay`.
 */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  const wanted = key.toLowerCase();
  let best: { candidate: string; distance: number; sharedStart: number } | undefined;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    const distance = editDistance(wanted, lower);
    if (distance > Math.max(2, Math.floor(Math.max(wanted.length, lower.length) / 3))) continue;
    const sharedStart = commonPrefixLength(wanted, lower);
    if (!best || distance < best.distance || (distance === best.distance && sharedStart > best.sharedStart)) {
      best = { candidate, distance, sharedStart };
    }
  }
  return best?.candidate;
}

function commonPrefixLength(a: string, b: string) {
  let length = 0;
  while (length < a.length && a[length] === b[length]) length += 1;
  return length;
}

function editDistance(a: string, b: string) {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
