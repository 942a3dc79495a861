import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, runCli, tempFolder } from '../support/cli.js';
import {
  describeWithService,
  dropTables,
  MYSQL_URL,
  POSTGRES_URL,
  uniquePrefix,
  unreachable,
} from '../support/databases.js';
import { REDIS_URL } from '../support/redis.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** Its two halves must never appear, whichever part a redaction gets wrong. */
const SECRET = 'S3cr3t@pw9Zq';
const LEAK = /S3cr3t|pw9Zq/i;

/** `url` with `SECRET` as its password, written unencoded as people do. */
function withSecret(url: string, user: string): string {
  return url.replace(/^(\w+:\/\/)[^@/]*@?/, `$1${user}:${SECRET}@`);
}

const PG = withSecret(POSTGRES_URL, 'postgres');
const MARIADB = withSecret(MYSQL_URL, 'root').replace(/^mysql:/, 'mariadb:');
const REDIS_HOST = new URL(REDIS_URL).host;

const COMMANDS = [
  ['routes'],
  ['migrate'],
  ['diagnose'],
  ['consume', '--limit', '1', '--time-limit', '2'],
  ['failed', 'list'],
  ['failed', 'show', '1'],
  ['check-deps'],
  ['stop-workers'],
];

interface Setup {
  name: string;
  services: [name: string, url: string][];
  config(prefix: string, name: string): Record<string, string>;
}

const SETUPS: Setup[] = [
  {
    name: 'PostgreSQL store and failure store, Redis transport (requirepass form)',
    services: [
      ['PostgreSQL', POSTGRES_URL],
      ['Redis', REDIS_URL],
    ],
    config: (_prefix, name) => ({
      database: PG,
      transport: `redis://:${SECRET}@${REDIS_HOST}/${name}`,
      failureTransport: PG,
    }),
  },
  {
    name: 'MariaDB store and failure store, RabbitMQ transport',
    services: [
      ['MariaDB', MYSQL_URL],
      ['RabbitMQ', 'amqp://127.0.0.1:5672'],
    ],
    config: (_prefix, name) => ({
      database: MARIADB,
      transport: `amqp://guest:${SECRET}@127.0.0.1:5672/%2F?queue=${name}`,
      failureTransport: MARIADB,
    }),
  },
  {
    name: 'SQLite store, queue in PostgreSQL, failure store in MariaDB',
    services: [
      ['PostgreSQL', POSTGRES_URL],
      ['MariaDB', MYSQL_URL],
    ],
    config: (prefix) => ({
      database: 'sqlite:./var/routeperf.sqlite',
      transport: `${PG}?tablePrefix=${prefix}`,
      failureTransport: MARIADB.replace(/^mariadb:/, 'mysql:'),
    }),
  },
];

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function reasonUnreachable(services: Setup['services']): Promise<string | undefined> {
  for (const [name, url] of services) {
    const { hostname, port } = new URL(url);
    const reason = await unreachable(hostname, Number(port));
    if (reason) return `${name}: ${reason}`;
  }
  return undefined;
}

function forget(prefix: string, stream: string) {
  cleanups.push(() => dropTables(POSTGRES_URL, prefix).catch(() => {}));
  cleanups.push(() => dropTables(MYSQL_URL, prefix).catch(() => {}));
  cleanups.push(async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.del(stream).catch(() => {});
    redis.disconnect();
  });
}

/** Runs the app fixture on the configuration of `folder` to the end. */
async function runApp(folder: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/secrets/fixtures/app.ts'], {
    cwd: REPO,
    env: { ...process.env, ROUTEPERF_CONFIG: join(folder, 'routeperf.config.json'), NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child);
}

const reasons = await Promise.all(SETUPS.map((setup) => reasonUnreachable(setup.services)));

describe('no command and no app prints a password', () => {
  for (const [i, setup] of SETUPS.entries()) {
    const reason = reasons[i];
    describeWithService(setup.name, setup.services.map(([name]) => name).join(' and '), reason, () => {
      const prefix = uniquePrefix();
      const name = `routeperf-secret-${randomBytes(4).toString('hex')}`;
      forget(prefix, name);
      const folder = tempFolder({
        ...setup.config(prefix, name),
        tablePrefix: prefix,
        environment: 'development',
        async: true,
      });

      it.each(COMMANDS.map((args) => [args.join(' '), args]))(
        'routeperf %s',
        async (_name, args) => {
          const result = await runCli(args as string[], { cwd: folder });
          const output = `${result.stdout}\n${result.stderr}`;
          expect(output.trim(), 'the command says something').not.toBe('');
          expect(output).not.toMatch(LEAK);
          // diagnose shows the database, the transport and the failure store: the DSNs were printed.
          if (args[0] === 'diagnose') expect(output.match(/:\*\*\*@/g)?.length).toBeGreaterThanOrEqual(3);
        },
        120_000,
      );

      it('an app recording through it', async () => {
        const result = await runApp(folder);
        expect(result.stderr).not.toMatch(LEAK);
        expect(result.stdout).not.toMatch(LEAK);
        expect(JSON.parse(result.stdout).statuses).toEqual([200, 200, 200, 200, 200]);
      }, 120_000);
    });
  }
});
