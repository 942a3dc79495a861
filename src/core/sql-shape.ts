/** Longest shape kept: enough to recognise a statement, and it fits every store's column. */
export const MAX_SHAPE_LENGTH = 1000;

/**
 * Distinct statements remembered. An app runs a few hundred; one that builds SQL with literals in it
 * makes new ones without end, so the cache starts over when full rather than grow.
 */
const CACHE_SIZE = 2000;
const cache = new Map<string, string>();

/**
 * Matches, in one pass, what differs between two runs of one statement: quoted strings (with doubled
 * quotes inside), numbers, placeholders (`$1`, `?`, `:name`, `@p1`), and runs of whitespace. Quoted
 * identifiers ("users", `users`) are kept, as they name what the statement reads.
 */
const VARIABLE_PARTS =
  /'(?:[^']|'')*'|\bE'(?:[^'\\]|\\.|'')*'|(?<![\w$."`])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?\b|\$\d+|[?]|(?<!:):[A-Za-z_]\w*|@p\d+|\s+/gi;
/** A list of placeholders, as in `IN (?, ?, ?)`: one statement whatever its length. */
const PLACEHOLDER_LIST = /\(\s*\?(?:\s*,\s*\?)+\s*\)/g;

/**
 * The shape of a SQL statement: its literals and parameters replaced by `?`, lists of them folded into
 * one, whitespace collapsed. Two runs of one statement with different values have the same shape, which
 * is what N+1 detection counts.
 */
export function sqlShape(sql: string): string {
  let shape = cache.get(sql);
  if (shape !== undefined) return shape;
  shape = sql
    .replace(VARIABLE_PARTS, (part) => (/^\s/.test(part) ? ' ' : '?'))
    .replace(PLACEHOLDER_LIST, '(?)')
    .trim()
    .slice(0, MAX_SHAPE_LENGTH);
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(sql, shape);
  return shape;
}
