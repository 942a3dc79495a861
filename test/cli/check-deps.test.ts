import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';

const HIDE_PACKAGES = fileURLToPath(new URL('../support/hide-packages.mjs', import.meta.url));
const OPTIONAL = ['fastify', 'express', 'pg', 'mysql2', 'ioredis', 'amqplib', 'nodemailer'];

/** The version npm installed for the repository, as check-deps should report it. */
function installedVersion(name: string): string {
  const manifest = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

describe.concurrent('routeperf check-deps', () => {
  const cwd = tempFolder();

  it('lists every optional package with its installed version and use, and exits 0', async () => {
    const result = await runCli(['check-deps'], { cwd });
    expect(result.code).toBe(0);
    for (const name of OPTIONAL) {
      expect(result.stdout).toMatch(
        new RegExp(`^${name} +${installedVersion(name).replace(/\./g, '\\.')} +\\S`, 'm'),
      );
    }
    expect(result.stdout).toContain('Every optional package is installed.');
    expect(result.stdout).not.toContain('npm install');
  });

  it('gives the npm install line of each missing package, and still exits 0', async () => {
    const env = { NODE_OPTIONS: `--import ${HIDE_PACKAGES}`, HIDE_PACKAGES: 'amqplib,pg' };
    const result = await runCli(['check-deps'], { cwd, env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^pg +no +PostgreSQL/m);
    expect(result.stdout).toMatch(/^amqplib +no +the RabbitMQ transport/m);
    expect(result.stdout).toMatch(/^ {2}npm install pg +# PostgreSQL/m);
    expect(result.stdout).toMatch(/^ {2}npm install amqplib +# the RabbitMQ transport/m);
    expect(result.stdout.match(/npm install/g)).toHaveLength(2);

    const json = await runCli(['check-deps', '--format', 'json'], { cwd, env });
    const statuses = JSON.parse(json.stdout) as {
      name: string;
      version: string | null;
      install: string | null;
    }[];
    expect(statuses.map((status) => status.name)).toEqual(OPTIONAL);
    expect(statuses.filter((status) => status.version === null).map((status) => status.install)).toEqual([
      'npm install pg',
      'npm install amqplib',
    ]);
    expect(statuses.find((status) => status.name === 'ioredis')).toMatchObject({
      version: installedVersion('ioredis'),
      install: null,
    });
  });
});
