import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';
import { describeEachDatabase, uniquePrefix } from '../support/databases.js';
import { closedPort } from '../support/reachability.js';
import { sqliteTables } from '../support/sqlite.js';

/** The commands that only read: none may create a file, a table or a migration. */
const READ_ONLY_COMMANDS = [['routes'], ['failed', 'list'], ['failed', 'show', '1'], ['diagnose']];

async function run(args: string[], cwd: string) {
  const result = await runCli(args, { cwd });
  return { ...result, output: `${result.stdout}\n${result.stderr}` };
}

/** Names of the tables starting with `prefix` in the PostgreSQL or MySQL database at `url`. */
async function serverTables(url: string, prefix: string): Promise<string[]> {
  if (url.startsWith('postgres')) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        "select tablename as name from pg_tables where tablename like $1 || '%'",
        [prefix],
      );
      return rows.map((row) => row.name);
    } finally {
      await client.end();
    }
  }
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection({ uri: url });
  try {
    const [rows] = await connection.query(
      'select table_name as name from information_schema.tables where table_name like ?',
      [`${prefix.replace(/_/g, '\\_')}%`],
    );
    return (rows as { name: string }[]).map((row) => row.name);
  } finally {
    await connection.end();
  }
}

describe.concurrent('read-only commands on SQLite create no file and no table', () => {
  for (const args of READ_ONLY_COMMANDS) {
    it(`${args.join(' ')}: a missing file is named by its absolute path, with the migrate to run`, async () => {
      const cwd = tempFolder({ database: 'sqlite:./data/routeperf.sqlite' });
      const result = await run(args, cwd);
      expect(result.code).toBe(1);
      expect(result.output).toContain(join(cwd, 'data/routeperf.sqlite'));
      expect(result.output).toContain('routeperf migrate');
      expect(existsSync(join(cwd, 'data')), 'no folder created').toBe(false);
    });

    it(`${args.join(' ')}: a file without routeperf's tables stays without them`, async () => {
      const cwd = tempFolder({ database: 'sqlite:./empty.sqlite' });
      writeFileSync(join(cwd, 'empty.sqlite'), '');
      const result = await run(args, cwd);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/tables \(prefix "routeperf_"\) in \S*empty\.sqlite are missing/);
      expect(result.output).toContain(join(cwd, 'empty.sqlite'));
      expect(result.output).toContain('routeperf migrate');
      expect(sqliteTables(`sqlite:${join(cwd, 'empty.sqlite')}`)).toEqual([]);
    });
  }

  it("migrate --status: a file without routeperf's tables lists every migration pending, and stays without them", async () => {
    const cwd = tempFolder({ database: 'sqlite:./empty.sqlite' });
    writeFileSync(join(cwd, 'empty.sqlite'), '');
    const result = await run(['migrate', '--status'], cwd);
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/empty\.sqlite: 12 pending: run "routeperf migrate"\./);
    expect(sqliteTables(`sqlite:${join(cwd, 'empty.sqlite')}`)).toEqual([]);
  });
});

describeEachDatabase(
  (database) => {
    describe.concurrent('read-only commands on a database without routeperf tables', () => {
      for (const args of READ_ONLY_COMMANDS) {
        it(`${args.join(' ')} says so, with the migrate to run, and creates none`, async () => {
          const tablePrefix = uniquePrefix();
          const cwd = tempFolder({ database: database.url(), tablePrefix });
          const result = await run(args, cwd);
          expect(result.code).toBe(1);
          expect(result.output).toContain(`tables (prefix "${tablePrefix}") in ${database.url()}`);
          expect(result.output).toContain('routeperf migrate');
          expect(await serverTables(database.url(), tablePrefix)).toEqual([]);
        });
      }

      it('migrate --status lists every migration pending, and creates no table', async () => {
        const tablePrefix = uniquePrefix();
        const cwd = tempFolder({ database: database.url(), tablePrefix });
        const result = await run(['migrate', '--status'], cwd);
        expect(result.code).toBe(0);
        expect(result.output).toContain(`${database.url()}: 12 pending: run "routeperf migrate".`);
        expect(await serverTables(database.url(), tablePrefix)).toEqual([]);
      });
    });
  },
  ['postgres', 'mysql'],
);

describe.concurrent('a database that does not answer', () => {
  for (const args of [...READ_ONLY_COMMANDS, ['migrate'], ['migrate', '--status']]) {
    it(`${args.join(' ')} says that it could not connect, not what it was about to do`, async () => {
      const url = `postgres://postgres:pw@127.0.0.1:${await closedPort()}/test`;
      const result = await run([...args, '--database', url], tempFolder());
      expect(result.code).toBe(1);
      expect(result.output).toContain(`Could not connect to ${url.replace(':pw@', ':***@')}`);
      expect(result.output).not.toMatch(/could not (migrate|read)/i);
    });
  }
});
