/**
 * The way a user gets routeperf: `npm pack`, install the tarball into an app folder of its own next to
 * fastify and express, then run apps and the `routeperf` bin from there. Nothing here imports the
 * repository's sources: everything goes through the installed package, its exports map and its bin.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  compileTypeScript,
  type InstalledPackage,
  installPackedRouteperf,
  repoPackage,
  run,
  userEnv,
} from './installed-package.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

let installed: InstalledPackage;
let app: string;
let packedFiles: string[];
let running: ChildProcess[] = [];

beforeAll(async () => {
  installed = await installPackedRouteperf(['fastify', 'express', '@types/node']);
  ({ app, files: packedFiles } = installed);
  for (const name of ['fastify-app.mjs', 'express-app.mjs', 'http-app.mjs']) {
    cpSync(join(fixtures, name), join(app, name));
  }
}, 900_000);

afterEach(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  running = [];
});

afterAll(() => installed?.remove());

/** `npx --no`: the bin must come from the installed package, never from the registry. */
function routeperfBin(args: string[]) {
  return run('npx', ['--no', 'routeperf', ...args], app);
}

interface RouteRow {
  environment: string;
  method: string;
  route: string;
  count: number;
  statusCodes: Record<string, number>;
}

async function routesReport(database: string): Promise<RouteRow[]> {
  const { stdout } = await routeperfBin([
    'routes',
    '--format',
    'json',
    '--database',
    database,
    '--environment',
    'production',
  ]);
  return JSON.parse(stdout);
}

/** Starts a fixture app in the app folder; resolves once it listens. */
async function startApp(script: string, database: string) {
  const child = spawn(process.execPath, [script, database], { cwd: app, env: userEnv });
  running.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const messages: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    messages.push(JSON.parse(line));
    for (const waiter of waiters) waiter();
  });
  /** The value of `key` in the first line that has it, once the app has printed that line. */
  const next = (key: string) =>
    new Promise<unknown>((resolve, reject) => {
      const check = () => {
        const message = messages.find((m) => key in m);
        if (!message) return;
        waiters.delete(check);
        resolve(message[key]);
      };
      waiters.add(check);
      check();
      child.once('close', (code) =>
        reject(new Error(`${script} exited with ${code} before "${key}":\n${stderr}`)),
      );
    });
  const url = (await next('url')) as string;
  return {
    url,
    /** Stops the app gracefully and returns routeperf's counters. */
    async stop() {
      const stats = next('stats');
      child.kill('SIGTERM');
      return (await stats) as { recorded: number; stored: number; dropped: number };
    },
  };
}

async function get(url: string) {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

describe('the npm package', () => {
  it('ships the build, the bin and the type declarations, not the sources', () => {
    for (const file of [
      'package.json',
      'README.md',
      'dist/cli/main.js',
      'dist/index.js',
      'dist/index.d.ts',
    ]) {
      expect(packedFiles).toContain(file);
    }
    for (const entry of ['fastify', 'express', 'http']) {
      expect(packedFiles).toContain(`dist/adapters/${entry}.js`);
      expect(packedFiles).toContain(`dist/adapters/${entry}.d.ts`);
    }
    expect(packedFiles.filter((file) => /^(src|test|bench)\//.test(file))).toEqual([]);
  });

  it('ships the MIT LICENSE that package.json names, and no test files', () => {
    expect(repoPackage.license).toBe('MIT');
    expect(packedFiles).toContain('LICENSE');
    const license = readFileSync(join(app, 'node_modules', 'routeperf', 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} routeperf contributors\n/);
    expect(
      packedFiles.filter((file) => /(^|\/)(test|tests|__tests__|fixtures)\/|\.(test|spec)\./.test(file)),
    ).toEqual([]);
  });

  it('ships source maps only with their sources embedded: a stack trace can be mapped without src/', () => {
    const maps = packedFiles.filter((file) => file.endsWith('.map'));
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(
        readFileSync(join(app, 'node_modules', 'routeperf', map), 'utf8'),
      ) as { sources: string[]; sourcesContent?: (string | null)[] };
      expect(sourcesContent?.length, map).toBe(sources.length);
      expect(
        sourcesContent?.every((content) => typeof content === 'string' && content.length > 0),
        map,
      ).toBe(true);
    }
  });

  it('ships the SQLite ingest thread as one file, which imports only node built-ins and the drivers', () => {
    const thread = readFileSync(
      join(app, 'node_modules', 'routeperf', 'dist/store/ingest-thread/thread.js'),
      'utf8',
    );
    // A bundle's static imports are statements of their own lines (Kysely's doc comments quote imports too).
    const imported = [...thread.matchAll(/^import\b[^;]*?["']([^"']+)["'];?$/gm)].map(([, name]) => name!);
    expect(imported).toContain('node:worker_threads');
    expect(imported.filter((name) => !/^node:|^(better-sqlite3|pg|mysql2)$/.test(name))).toEqual([]);
  });

  it('installs without the optional peers: no pg, no mysql2', () => {
    const installed = createRequire(join(app, 'package.json'));
    expect(() => installed.resolve('pg')).toThrow();
    expect(() => installed.resolve('mysql2')).toThrow();
    expect(installed('routeperf/package.json').version).toBe(repoPackage.version);
  });

  it('resolves every subpath export, and only those', async () => {
    const script = `
      const loaded = {
        main: await import('routeperf'),
        fastify: await import('routeperf/fastify'),
        express: await import('routeperf/express'),
        http: await import('routeperf/http'),
      };
      let deep;
      try { await import('routeperf/dist/index.js'); deep = 'loaded'; } catch (error) { deep = error.code; }
      console.log(JSON.stringify({
        main: [typeof loaded.main.createRouteperf, typeof loaded.main.defineConfig],
        fastify: [typeof loaded.fastify.default, loaded.fastify.default === loaded.fastify.routeperf],
        express: [typeof loaded.express.routeperf, typeof loaded.express.default],
        http: [typeof loaded.http.withRouteperf, typeof loaded.http.default],
        deep,
      }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], app);
    expect(JSON.parse(stdout)).toEqual({
      main: ['function', 'function'],
      fastify: ['function', true],
      express: ['function', 'function'],
      http: ['function', 'function'],
      deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });

  it('runs `routeperf migrate` from the bin: it creates the tables, and a second run is harmless', async () => {
    const file = join(app, 'var', 'migrated.sqlite');
    await routeperfBin(['migrate', '--database', `sqlite:${file}`]);
    await routeperfBin(['migrate', '--database', `sqlite:${file}`]);
    const db = new Database(file, { readonly: true });
    try {
      const tables = db
        .prepare(
          "select name from sqlite_master where type = 'table' and name like 'routeperf\\_%' escape '\\'",
        )
        .pluck()
        .all();
      expect(tables).toEqual(expect.arrayContaining(['routeperf_routes', 'routeperf_aggregates']));
    } finally {
      db.close();
    }
  });

  describe.each([
    { name: 'Fastify', script: 'fastify-app.mjs', unmatched: true },
    { name: 'Express', script: 'express-app.mjs', unmatched: true },
    { name: 'node:http', script: 'http-app.mjs', unmatched: false },
  ])('a $name app using the installed package', ({ script, unmatched }) => {
    it('records real requests that `routeperf routes --format json` then reports', async () => {
      const database = `sqlite:${join(app, 'var', `${basename(script, '.mjs')}.sqlite`)}`;
      const server = await startApp(script, database);
      expect(await Promise.all([1, 2, 3].map((id) => get(`${server.url}/users/${id}`)))).toEqual([
        200, 200, 200,
      ]);
      expect(await get(`${server.url}/hello`)).toBe(200);
      expect(await get(`${server.url}/missing`)).toBe(404);

      // Synchronous mode: a client holding its response finds its request stored, app still running.
      const rows = await routesReport(database);
      const row = (route: string) => rows.find((r) => r.method === 'GET' && r.route === route);
      expect(row('/users/:id')).toMatchObject({
        environment: 'production',
        count: 3,
        statusCodes: { 200: 3 },
      });
      expect(row('/hello')).toMatchObject({ count: 1, statusCodes: { 200: 1 } });
      expect(row(unmatched ? '(unmatched)' : '/missing')).toMatchObject({
        count: 1,
        statusCodes: { 404: 1 },
      });
      expect(rows.reduce((sum, r) => sum + r.count, 0)).toBe(5);

      expect(await server.stop()).toMatchObject({ recorded: 5, stored: 5, dropped: 0 });
    });
  });

  it("has type declarations that resolve from a TypeScript app (NodeNext), with the repository's tsc", async () => {
    writeFileSync(join(app, 'check.ts'), typesCheck);
    await compileTypeScript(app, ['check.ts'], false);
  });
});

/** Uses each entry point's types; the `@ts-expect-error` lines fail the check if the types were `any`. */
const typesCheck = `
import { createServer } from 'node:http';
import Fastify from 'fastify';
import { createRouteperf, defineConfig, type RouteperfOptions, type RouteSummary } from 'routeperf';
import { routeperf as expressRouteperf } from 'routeperf/express';
import fastifyRouteperf from 'routeperf/fastify';
import { withRouteperf } from 'routeperf/http';

const options: RouteperfOptions = { database: 'sqlite::memory:', environment: 'production' };
// @ts-expect-error samplingRate is a number
defineConfig({ samplingRate: 'half' });
// @ts-expect-error unknown option
const misspelled: RouteperfOptions = { databse: 'sqlite::memory:' };

const app = Fastify();
await app.register(fastifyRouteperf, options);
const dropped: number = app.routeperf.stats().dropped;

const middleware = expressRouteperf(options);
const ready: Promise<number> = middleware.ready.then((routeperf) => routeperf.stats().stored);

createServer(withRouteperf((_req, res) => res.end('ok'), options));

const routeperf = await createRouteperf(options);
const rows: RouteSummary[] = await routeperf.routes({ environment: 'production' });
// @ts-expect-error p99 is a number of milliseconds
const p99: string | undefined = rows[0]?.requestTime.p99;

export { dropped, misspelled, p99, ready };
`;
