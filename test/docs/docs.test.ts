/**
 * The README and docs/*.md as a new user meets them: every code block that is not marked as output or a
 * fragment (see code-blocks.ts) runs exactly as written against routeperf packed and installed into an app
 * folder: TypeScript is type-checked with `tsc --strict` and run, config files are loaded, shell commands
 * run, and the documented process-manager units start a worker and stop it. Blocks run in page order, each
 * page in a folder of its own, so a page's later blocks see what its earlier ones left (a database, a
 * config file), as a reader following it would. PostgreSQL and Redis are given as DATABASE_URL and
 * ROUTEPERF_TRANSPORT_DSN: a database and streams of this test's own, removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import {
  compileTypeScript,
  type InstalledPackage,
  installPackedRouteperf,
  repo,
  repoPackage,
  run,
  userEnv,
} from '../packaging/installed-package.js';
import { describeWithService, POSTGRES_URL, unreachable } from '../support/databases.js';
import { REDIS_URL } from '../support/redis.js';
import {
  type CodeBlock,
  codeBlocks,
  configFileName,
  documentedPages,
  kindOf,
  pageSlug,
} from './code-blocks.js';
import { type ProgramRun, runProgram } from './run-program.js';
import { sendRequests, storedRequests } from './worker-traffic.js';
import { parseWorkerUnit, startInGroup } from './worker-unit.js';

const pages = documentedPages(repo);
const blocks = pages.flatMap((page) => codeBlocks(repo, page));
const runnable = blocks.filter((block) => !block.marker && kindOf(block));

const suffix = randomBytes(5).toString('hex');
const databaseName = `rpt_docs_${suffix}`;
const databaseUrl = Object.assign(new URL(POSTGRES_URL), { pathname: `/${databaseName}` }).href;
const streams: string[] = [];

/** A Redis stream of this test's own, deleted at the end. */
function streamDsn(name: string): string {
  const stream = `routeperf-docs-${suffix}-${name}`;
  streams.push(stream);
  return `${REDIS_URL}/${stream}`;
}

const pageEnv = {
  DATABASE_URL: databaseUrl,
  ROUTEPERF_TRANSPORT_DSN: streamDsn('page'),
  // `npx routeperf` must find the installed bin, never fetch a package from the registry.
  npm_config_yes: 'false',
};

const LOAD_CONFIG = `
import { createRouteperf } from 'routeperf';
const routeperf = await createRouteperf();
await routeperf.close();
`;

const services = [
  await unreachable(new URL(POSTGRES_URL).hostname, Number(new URL(POSTGRES_URL).port || 5432)),
  await unreachable(new URL(REDIS_URL).hostname, Number(new URL(REDIS_URL).port || 6379)),
].filter(Boolean);

describeWithService(
  'the code blocks of the README and docs/*.md',
  'PostgreSQL and Redis',
  services.join('; ') || undefined,
  () => {
    let installed: InstalledPackage;
    let app: string;
    let typeErrors = '';
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    const admin = () => new pg.Client({ connectionString: POSTGRES_URL });

    const folderOf = (block: CodeBlock) => join(app, 'pages', pageSlug(block.page));

    beforeAll(async () => {
      installed = await installPackedRouteperf([
        'fastify',
        'express',
        'pg',
        'ioredis',
        '@types/node',
        '@types/express',
        '@types/pg',
        // Frameworks and database clients the docs show routeperf with.
        'koa',
        '@koa/router',
        '@types/koa',
        'hono',
        '@hono/node-server',
        '@nestjs/common',
        '@nestjs/core',
        '@nestjs/platform-express',
        '@nestjs/platform-fastify',
        'reflect-metadata',
        'rxjs',
        '@types/better-sqlite3',
        'knex',
        'mysql2',
        'drizzle-orm',
        // routeperf/opentelemetry beside an app's own OpenTelemetry.
        '@opentelemetry/instrumentation',
        '@opentelemetry/instrumentation-express',
        '@opentelemetry/instrumentation-http',
        '@opentelemetry/sdk-trace-node',
        'typeorm',
        'sequelize',
      ]);
      app = installed.app;
      for (const page of pages) mkdirSync(join(app, 'pages', pageSlug(page)), { recursive: true });
      const client = admin();
      await client.connect();
      await client.query(`create database ${databaseName}`);
      await client.end();
      typeErrors = await typeCheck(runnable.filter((block) => kindOf(block) === 'typescript'));
    }, 900_000);

    afterAll(async () => {
      installed?.remove();
      const client = admin();
      await client.connect();
      await client.query(`drop database if exists ${databaseName} with (force)`);
      await client.end();
      await redis.del(...streams);
      redis.disconnect();
    });

    /** Writes the TypeScript blocks as `block-<line>.ts` and compiles them all in one tsc run; returns its errors. */
    async function typeCheck(typescript: CodeBlock[]): Promise<string> {
      for (const block of typescript)
        writeFileSync(join(folderOf(block), `block-${block.line}.ts`), block.code);
      try {
        await compileTypeScript(app, ['pages/**/*.ts'], true);
        return '';
      } catch (error) {
        // tsc still emits the JavaScript, so the blocks run even when a type error is reported.
        return (error as Error).message;
      }
    }

    it('marks every block it cannot run as output or as a fragment, with the reason', () => {
      const unmarked = blocks
        .filter((block) =>
          block.marker ? block.marker.kind === 'fragment' && !block.marker.reason : !kindOf(block),
        )
        .map((block) => `${block.page}:${block.line} (${block.language || 'no language'})`);
      expect(unmarked).toEqual([]);
      expect(runnable.length).toBeGreaterThan(10);
    });

    it('type-checks every TypeScript block with tsc --strict (NodeNext)', () => {
      expect(typeErrors).toBe('');
    });

    it.each(runnable.map((block) => [`${block.page}:${block.line}`, kindOf(block), block] as const))(
      '%s (%s) runs as written',
      { timeout: 240_000 },
      async (_name, kind, block) => {
        const cwd = folderOf(block);
        switch (kind) {
          case 'typescript':
            return expectRunOrServe(
              await runProgram(`block-${block.line}.js`, cwd, { ...userEnv, ...pageEnv }),
            );
          case 'program':
            writeFileSync(join(cwd, `block-${block.line}.mjs`), block.code);
            return expectRunOrServe(
              await runProgram(`block-${block.line}.mjs`, cwd, { ...userEnv, ...pageEnv }),
            );
          case 'config': {
            writeFileSync(join(cwd, configFileName(block)!), block.code);
            const { stderr } = await run(process.execPath, ['--input-type=module', '-e', LOAD_CONFIG], cwd, {
              env: pageEnv,
            });
            return expect(stderr).toBe('');
          }
          case 'shell':
            await run('bash', ['-eo', 'pipefail', '-c', block.code], cwd, { env: pageEnv, timeout: 180_000 });
            return;
          case 'worker-unit':
            return expectWorkerStopsAsUnit(block);
        }
      },
    );

    /** A program ends with exit 0, or serves: `GET /users/42` answered 200, then stopped; nothing on stderr. */
    function expectRunOrServe(result: ProgramRun) {
      expect(result.stderr).toBe('');
      if (result.response) {
        expect(result.response.status).toBe(200);
        expect(result.exitCode === 0 || result.signal === 'SIGTERM').toBe(true);
      } else {
        expect(result.exitCode).toBe(0);
      }
    }

    /**
     * The unit's command, in the installed app in place of its working directory, consumes real traffic
     * from Redis into SQLite; SIGTERM to its process group then stops it gracefully: every message stored
     * and acknowledged, exit 0, no process of the group left.
     */
    async function expectWorkerStopsAsUnit(block: CodeBlock) {
      const unit = parseWorkerUnit(block.code);
      const transport = streamDsn(`unit-${block.line}`);
      const store = join(folderOf(block), `worker-${block.line}.sqlite`);
      await sendRequests(20, transport, unit.environment.NODE_ENV ?? 'production');
      const command = unit.command.map((part) => part.replace(unit.directory, app));
      const worker = startInGroup(command, app, {
        ...userEnv,
        ...unit.environment,
        ROUTEPERF_TRANSPORT_DSN: transport,
        ROUTEPERF_DATABASE_URL: `sqlite:${store}`,
      });
      try {
        await vi.waitFor(() => expect(storedRequests(store), worker.output()).toBe(20), {
          timeout: 120_000,
          interval: 200,
        });
        worker.signal('SIGTERM', unit.stopsGroup);
        expect(await worker.exited).toEqual({ code: 0, signal: null });
        await vi.waitFor(() =>
          expect(worker.output()).toMatch(/Stopped: received SIGTERM\. 20 messages stored, 0 failed/),
        );
        await vi.waitFor(() => expect(worker.groupAlive()).toBe(false), { timeout: 30_000 });
        const [pending] = (await redis.xpending(new URL(transport).pathname.slice(1), 'routeperf')) as [
          number,
        ];
        expect(pending).toBe(0);
      } finally {
        worker.killGroup();
      }
    }

    it('shows why the docs say no npx: SIGTERM to npx alone leaves its worker running and consuming', {
      timeout: 240_000,
    }, async () => {
      const transport = streamDsn('npx');
      const store = join(app, 'var', 'npx-worker.sqlite');
      const env = {
        ...userEnv,
        ...pageEnv,
        ROUTEPERF_TRANSPORT_DSN: transport,
        ROUTEPERF_DATABASE_URL: `sqlite:${store}`,
      };
      const npx = startInGroup(['npx', 'routeperf', 'consume'], app, env);
      try {
        await sendRequests(5, transport, 'development');
        await vi.waitFor(() => expect(storedRequests(store), npx.output()).toBe(5), {
          timeout: 120_000,
          interval: 200,
        });
        npx.signal('SIGTERM', false);
        await npx.exited;
        expect(npx.groupAlive()).toBe(true);
        await sendRequests(5, transport, 'development');
        await vi.waitFor(() => expect(storedRequests(store)).toBe(10), { timeout: 60_000, interval: 200 });
      } finally {
        npx.killGroup();
      }
    });

    it('installs, in the README, the tarball that npm pack writes for this version', () => {
      const readme = readFileSync(join(repo, 'README.md'), 'utf8');
      expect(installed.tarball).toBe(`routeperf-${repoPackage.version}.tgz`);
      expect(readme).toContain(`npm install ../routeperf/${installed.tarball}`);
    });

    it('lists every command of `routeperf --help` in the README, each with an example', async () => {
      const { stdout } = await run(join(app, 'node_modules', '.bin', 'routeperf'), ['--help'], app);
      const commandLines = stdout.split('Commands:\n')[1]!.split('\n\n')[0]!.split('\n');
      const commands = commandLines.map((line) => line.trim().split(/\s{2,}/)[0]!);
      const readme = readFileSync(join(repo, 'README.md'), 'utf8');
      const start = readme.indexOf('## CLI\n');
      const section = readme.slice(start, readme.indexOf('\n## ', start));
      const rows = [...section.matchAll(/^\| `([^`]+)` \| [^|]+ \| `([^`]+)` \|$/gm)].map(
        ([, command, example]) => ({
          command: command!.replaceAll('\\|', '|'),
          example: example!,
        }),
      );
      expect(rows.map((row) => row.command)).toEqual(commands);
      for (const { command, example } of rows) {
        expect(example).toMatch(new RegExp(`^npx routeperf ${command.split(/ [[<]/)[0]}( |$)`));
      }
    });
  },
);
