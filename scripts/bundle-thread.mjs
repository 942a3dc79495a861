/**
 * Bundles the compiled SQLite ingest thread (store/ingest-thread/thread.js of a compiled tree) into one
 * file, in place. Loading the store's modules one by one, Kysely's hundreds among them, took about 0.25 s
 * of every thread's start; one file loads in a fraction of that. The drivers stay outside: the thread
 * loads the app's own better-sqlite3.
 *
 * Usage: node scripts/bundle-thread.mjs [compiled tree, default dist]
 */
import { join } from 'node:path';
import { build } from 'esbuild';

const thread = join(process.argv[2] ?? 'dist', 'store/ingest-thread/thread.js');
await build({
  entryPoints: [thread],
  outfile: thread,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'mysql2'],
  sourcemap: true,
  logLevel: 'warning',
});
