import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Config files in TypeScript: Node 20 cannot import them, and newer Nodes only with restrictions. */
const TYPESCRIPT = /\.[cm]?ts$/;

/**
 * The default export of a config file: JSON parsed, JavaScript (`.js`, `.mjs`, `.cjs`) imported by Node,
 * TypeScript (`.ts`, `.mts`, `.cts`) through jiti. jiti is imported only for a TypeScript file, so other
 * configurations never load it; it strips the types (including `import type`) with a transform cached on
 * disk, the way ESLint loads `eslint.config.ts`.
 */
export async function importConfigFile(path: string): Promise<unknown> {
  if (path.endsWith('.json')) return JSON.parse(readFileSync(path, 'utf8'));
  if (TYPESCRIPT.test(path)) {
    const { createJiti } = await import('jiti');
    return createJiti(import.meta.url).import(path, { default: true });
  }
  return ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
}
