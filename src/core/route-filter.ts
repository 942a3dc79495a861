/**
 * Compiles `ignoreRoutes` once. A pattern matches "METHOD /template" or "/template"; `*` is any run of
 * characters (slashes included) and `?` is one character.
 */
export function compileIgnore(patterns: readonly string[]): (method: string, route: string) => boolean {
  if (patterns.length === 0) return () => false;
  const regex = new RegExp(`^(?:${patterns.map(globToSource).join('|')})$`);
  return (method, route) => regex.test(route) || regex.test(`${method} ${route}`);
}

function globToSource(glob: string) {
  return glob
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
}
