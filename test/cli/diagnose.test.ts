import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, tempFolder } from '../support/cli.js';
import { startConsumer } from '../support/consumer.js';
import { sqliteTables, sqliteUrl } from '../support/sqlite.js';
import { POISON, QUEUE_DSN, queueSetup, recordMessages } from './queue.js';

const HIDE_PACKAGES = fileURLToPath(new URL('../support/hide-packages.mjs', import.meta.url));
const UNREACHABLE_POSTGRES = 'postgres://postgres:secret@127.0.0.1:1/routeperf';

interface Problem {
  code: string;
  message: string;
  fix: string;
}

async function diagnoseJson(cwd: string, args: string[] = [], env?: Record<string, string>) {
  const result = await runCli(['diagnose', '--format', 'json', ...args], { cwd, env });
  return { code: result.code, stderr: result.stderr, diagnosis: JSON.parse(result.stdout) };
}

const codes = (problems: Problem[]) => problems.map((problem) => problem.code).sort();

describe.concurrent('routeperf diagnose', () => {
  it('a healthy async setup with a worker alive: no problem, exit 0, in both formats', async () => {
    const { cwd, database, queue } = await queueSetup();
    await queue.send(recordMessages(1));
    const consumer = await startConsumer({ cwd, args: ['-vv', '--sleep', '100'] });
    try {
      // The worker's heartbeat comes before its first batch.
      await consumer.waitForLine(/^batch: received 1/);
      const { code, diagnosis } = await diagnoseJson(cwd);
      expect(diagnosis.problems).toEqual([]);
      expect(code).toBe(0);
      expect(diagnosis).toMatchObject({
        ok: true,
        configuration: { environment: 'test', database, async: true, transport: QUEUE_DSN },
        mode: { async: true, transport: QUEUE_DSN },
        database: { reachable: true, tables: 'complete' },
        transport: { dsn: QUEUE_DSN, reachable: true, pending: 0, inFlight: 0 },
        failedMessages: 0,
        thisProcess: { recorded: 0, dropped: 0, note: expect.stringContaining('this diagnose process only') },
      });
      expect(diagnosis.workers.alive).toHaveLength(1);
      expect(diagnosis.workers.alive[0]).toMatchObject({
        pid: consumer.child.pid,
        transport: QUEUE_DSN,
      });

      const table = await runCli(['diagnose'], { cwd });
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(`Transport        ${QUEUE_DSN} reachable, 0 pending, 0 in flight`);
      expect(table.stdout).toContain('Workers alive    1 (heartbeat within the last 15 s)');
      expect(table.stdout).toMatch(new RegExp(`^  \\S+ +${consumer.child.pid}  ${QUEUE_DSN} `, 'm'));
      expect(table.stdout).toContain('counters of this diagnose process only');
      expect(table.stdout.trimEnd().endsWith('No problems found.')).toBe(true);
    } finally {
      await consumer.stop();
    }
  });

  it('a synchronous setup needs no worker: exit 0', async () => {
    const database = sqliteUrl();
    const cwd = tempFolder({ database, environment: 'test' });
    expect((await runCli(['migrate'], { cwd })).code).toBe(0);
    const { code, diagnosis } = await diagnoseJson(cwd);
    expect(code).toBe(0);
    expect(diagnosis).toMatchObject({ ok: true, mode: { async: false }, transport: null, problems: [] });
    expect(diagnosis.mode.summary).toContain('synchronous (async: false)');
  });

  it('no worker alive, messages waiting and failed messages: each problem with its fix, exit 1', async () => {
    const { cwd, queue } = await queueSetup();
    await queue.send([POISON.notJson.body]);
    expect((await runCli(['consume', '--limit', '1'], { cwd })).code).toBe(0);
    await queue.send(recordMessages(5));

    const { code, diagnosis } = await diagnoseJson(cwd);
    expect(code).toBe(1);
    expect(diagnosis.ok).toBe(false);
    expect(diagnosis.transport).toMatchObject({ reachable: true, pending: 5, inFlight: 0 });
    expect(diagnosis.failedMessages).toBe(1);
    expect(diagnosis.workers.alive).toEqual([]);
    expect(diagnosis.workers.lastSeen).toMatchObject({ transport: QUEUE_DSN });
    expect(codes(diagnosis.problems)).toEqual(['failed-messages', 'no-worker-alive']);
    const fixes = Object.fromEntries(
      diagnosis.problems.map((problem: Problem) => [problem.code, problem.fix]),
    );
    expect(fixes).toEqual({
      'failed-messages': 'run: npx routeperf failed list',
      'no-worker-alive': 'run: npx routeperf consume',
    });

    const table = await runCli(['diagnose'], { cwd });
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('Problems (2):');
    expect(table.stdout).toMatch(
      /^ {2}✗ 1 message in the failure store.* → run: npx routeperf failed list$/m,
    );
    expect(table.stdout).toMatch(
      new RegExp(
        `^  ✗ No worker is alive to store the messages of ${QUEUE_DSN} \\(5 waiting; .* → run: npx routeperf consume$`,
        'm',
      ),
    );
  });

  it('an unreachable database: the problem and what to do, exit 1, password hidden', async () => {
    const cwd = tempFolder({ environment: 'test' });
    for (const format of ['json', 'table']) {
      const result = await runCli(['diagnose', '--format', format, '--database', UNREACHABLE_POSTGRES], {
        cwd,
      });
      expect(result.code).toBe(1);
      expect(result.stdout).not.toContain('secret');
      if (format === 'table') {
        expect(result.stdout).toMatch(
          /^ {2}✗ .*postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/routeperf.*ECONNREFUSED.* → start the database or fix "database" \(or --database\), then run: npx routeperf diagnose$/m,
        );
        continue;
      }
      const diagnosis = JSON.parse(result.stdout);
      expect(diagnosis.database).toMatchObject({ reachable: false, tables: 'unknown' });
      expect(diagnosis.failedMessages).toBeNull();
      expect(codes(diagnosis.problems)).toEqual(['database-unreachable']);
    }
  });

  it('missing tables with autoSetup off: run migrate; diagnose itself creates nothing', async () => {
    const database = sqliteUrl();
    const cwd = tempFolder({ database, environment: 'test', autoSetup: false });
    const { code, diagnosis } = await diagnoseJson(cwd);
    expect(code).toBe(1);
    expect(diagnosis.database).toEqual({ reachable: true, tables: 'missing or out of date' });
    expect(diagnosis.problems).toEqual([
      expect.objectContaining({ code: 'schema-incomplete', fix: 'run: npx routeperf migrate' }),
    ]);
    expect(sqliteTables(database).filter((table) => table.startsWith('routeperf_'))).toEqual([]);
  });

  it('missing tables with autoSetup on: workers and reports need them first; diagnose still creates none', async () => {
    const database = sqliteUrl();
    const cwd = tempFolder({ database, environment: 'test' });
    const { code, diagnosis } = await diagnoseJson(cwd);
    expect(code).toBe(1);
    expect(diagnosis.database).toEqual({ reachable: true, tables: 'missing or out of date' });
    expect(diagnosis.problems).toEqual([
      expect.objectContaining({ code: 'schema-incomplete', fix: 'run: npx routeperf migrate' }),
    ]);
    expect(sqliteTables(database).filter((table) => table.startsWith('routeperf_'))).toEqual([]);
  });

  it('memory:// records in the app process: no worker needed, and diagnose creates no table', async () => {
    const database = sqliteUrl();
    const cwd = tempFolder({ database, environment: 'test', async: true, transport: 'memory://' });
    const { code, diagnosis } = await diagnoseJson(cwd);
    expect(code).toBe(1);
    expect(diagnosis).toMatchObject({ mode: { async: true, transport: 'memory://' }, transport: null });
    expect(codes(diagnosis.problems)).toEqual(['schema-incomplete']);
    expect(diagnosis.mode.summary).toContain('stored by a worker inside the app');
    expect(sqliteTables(database).filter((table) => table.startsWith('routeperf_'))).toEqual([]);
  });

  for (const [what, transport, message] of [
    [
      'an unknown scheme',
      'redsi://127.0.0.1:6379/routeperf',
      'transport: expected a DSN starting with sync://, memory://',
    ],
    [
      'an unknown option',
      'redis://127.0.0.1:6379/routeperf?maxlength=5',
      'transport redis:// maxlength: unknown option',
    ],
  ]) {
    it(`a transport with ${what}: said first and alone, as the configuration error it is (exit 2)`, async () => {
      const cwd = tempFolder({ database: sqliteUrl(), environment: 'test', async: true, transport });
      for (const format of ['table', 'json']) {
        const result = await runCli(['diagnose', '--format', format], { cwd });
        expect(result.code).toBe(2);
        expect(result.stderr.split('\n')[0]).toContain(`routeperf diagnose: ${message}`);
        // No report whose mode (synchronous) or transport line contradicts "async: on".
        expect(result.stdout).toBe('');
      }
    });
  }

  it('async on with the client package missing: the fallback, and the npm install line', async () => {
    const cwd = tempFolder({
      database: sqliteUrl(),
      environment: 'test',
      async: true,
      transport: 'redis://127.0.0.1:6379/routeperf',
    });
    const env = { NODE_OPTIONS: `--import ${HIDE_PACKAGES}`, HIDE_PACKAGES: 'ioredis' };
    expect((await runCli(['migrate'], { cwd })).code).toBe(0);
    const { code, stderr, diagnosis } = await diagnoseJson(cwd, [], env);
    expect(code).toBe(1);
    // Stated once, in the report, rather than also as a warning on stderr.
    expect(stderr).toBe('');
    expect(diagnosis.mode).toMatchObject({ async: false, fallback: expect.stringContaining('"ioredis"') });
    expect(diagnosis.transport).toBeNull();
    expect(diagnosis.problems).toEqual([
      expect.objectContaining({ code: 'client-package-missing', fix: 'run: npm install ioredis' }),
    ]);
    const table = await runCli(['diagnose'], { cwd, env });
    expect(table.stdout).toContain('synchronous (fallback from async)');
    expect(table.stdout).toMatch(
      /✗ Async is on, but "ioredis" is not installed.* → run: npm install ioredis$/m,
    );
  });
});
