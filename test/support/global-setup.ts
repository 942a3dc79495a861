import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The compiled `routeperf` command (dist/cli/main.js of a scratch package), shared by every test file. */
    cliMain: string;
  }
}

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Compiles src once per run into a scratch package (its own package.json, node_modules linked to the
 * repository's), so that the CLI tests run the same JavaScript as `npm run build` without touching dist/
 * or depending on a build. Running through tsx instead costs about a second per process in module hooks.
 */
export default async function compileCli(project: TestProject) {
  const root = mkdtempSync(join(tmpdir(), 'routeperf-cli-build-'));
  const main = join(root, 'dist/cli/main.js');
  const tsc = join(REPO, 'node_modules/.bin/tsc');
  const args = ['-p', join(REPO, 'tsconfig.json'), '--outDir', join(root, 'dist'), '--declaration', 'false'];
  // A type error anywhere still emits JavaScript; typechecking is its own step, not these tests'.
  await promisify(execFile)(tsc, args, { cwd: REPO }).catch((error) => {
    if (!existsSync(main)) throw error;
  });
  copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  // As `npm run build` does: the SQLite ingest thread in one file.
  await promisify(execFile)(process.execPath, [join(REPO, 'scripts/bundle-thread.mjs'), join(root, 'dist')]);
  project.provide('cliMain', main);
  // The SQLite ingest thread of the code under test starts from this build too (see threadScript).
  process.env.ROUTEPERF_COMPILED_DIST = join(root, 'dist');
  return () => rmSync(root, { recursive: true, force: true });
}
