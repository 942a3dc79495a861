import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkerOptions } from 'node:worker_threads';

/** What `new Worker()` takes to start the ingest thread. */
export interface ThreadScript {
  script: URL | string;
  options: WorkerOptions;
}

/**
 * The thread's module: `thread.js` beside this one, in the package. Running from the TypeScript sources
 * (routeperf's own tests and benchmarks) there is only `thread.ts`. There, `ROUTEPERF_COMPILED_DIST` may
 * name a compiled copy of the sources (the tests compile one per run), whose thread starts as fast as
 * the package's; without it, the thread loads the sources through tsx, which takes about a second.
 */
export function threadScript(): ThreadScript {
  const packaged = new URL('./thread.js', import.meta.url);
  if (existsSync(packaged)) return { script: packaged, options: {} };
  const compiledDist = process.env.ROUTEPERF_COMPILED_DIST;
  if (compiledDist) return { script: join(compiledDist, 'store/ingest-thread/thread.js'), options: {} };
  // The package's CommonJS entry is what `require` finds; the thread imports its ES module beside it.
  const tsxApi = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const tsx = pathToFileURL(tsxApi).href;
  const source = new URL('./thread.ts', import.meta.url).href;
  const load = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return { script: load, options: { eval: true } };
}
