import type { z } from 'zod';
import { redactDsn } from '../dsn.js';

/** Renders zod issues as `key.path: expected …, got …` lines, with a "did you mean" for unknown keys. */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  knownKeys: readonly string[],
) {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const path = joinPath([...issue.path, key]);
        const hint = closest(key, knownKeys);
        return `${path}: unknown key${hint ? `; did you mean "${hint}"?` : ''}`;
      });
    }
    const value = valueAt(input, issue.path);
    return [`${joinPath(issue.path)}: ${issue.message}, got ${describe(value)}`];
  });
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
  return truncate(JSON.stringify(typeof value === 'string' ? redactDsn(value) : value));
}

function truncate(text: string) {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** The known key nearest to `key` by edit distance, when it is close enough to be a typo. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
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
