import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AMQP_HOST, AMQP_PORT, describeWithRabbitMQ } from '../support/amqp.js';
import { runCli, tempFolder } from '../support/cli.js';
import { closedPort } from '../support/reachability.js';
import { POISON, queueSetup } from './queue.js';

/**
 * A config file whose logger is built when first read, as a lazy getter does, and cannot be: routeperf
 * knows nothing of this error, so it is a bug as far as the command can tell.
 */
function folderWithBrokenLogger(): string {
  const cwd = tempFolder();
  writeFileSync(
    join(cwd, 'routeperf.config.mjs'),
    [
      'class FileLogger {',
      "  constructor() { throw new Error('cannot open the log file'); }",
      '}',
      'export default {',
      "  database: 'sqlite:./never-created.sqlite',",
      '  get logger() { return new FileLogger(); },',
      '};',
    ].join('\n'),
  );
  return cwd;
}

const STACK_FRAME = /^ {4}at /m;

describe.concurrent('routeperf prints a bug as a bug', () => {
  it('one line, without the stack, with the way to see it; exit 1', async () => {
    const result = await runCli(['routes'], { cwd: folderWithBrokenLogger() });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'routeperf routes: unexpected error: cannot open the log file. Run it again with -v to see the stack.\n',
    );
  });

  for (const args of [
    ['routes', '-v'],
    ['migrate', '--verbose'],
    ['consume', '-vv'],
  ]) {
    it(`${args.join(' ')}: the stack too`, async () => {
      const result = await runCli(args, { cwd: folderWithBrokenLogger() });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`^routeperf ${args[0]}: unexpected error: Error: cannot open the log file\n`),
      );
      expect(result.stderr).toMatch(STACK_FRAME);
      expect(result.stderr).toContain('routeperf.config.mjs');
      expect(result.stderr).not.toContain('Run it again with -v');
    });
  }

  it('-v changes nothing for a mistake in the arguments', async () => {
    const result = await runCli(['routes', '-v', '--limit', 'ten'], { cwd: tempFolder() });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'routeperf routes: --limit: expected a whole number of at least 1, got "ten". Run "routeperf routes --help" for usage.\n',
    );
  });
});

/** A failure store holding one message, and a config file `name` that sends failed messages to `transport`. */
async function failedMessageFor(transport: string, name = 'retry.json'): Promise<string> {
  const { cwd, database, queue } = await queueSetup();
  await queue.send([POISON.notJson.body]);
  const consumed = await runCli(['consume', '--limit', '1'], { cwd });
  expect(consumed.stdout).toContain('0 messages stored, 1 failed');
  writeFileSync(join(cwd, name), JSON.stringify({ database, environment: 'test', async: true, transport }));
  return cwd;
}

describe.concurrent('routeperf exits by what went wrong with a transport', () => {
  it('a transport that is down exits 1, naming it, and keeps the failed messages', async () => {
    const port = await closedPort();
    const cwd = await failedMessageFor(`amqp://guest:secret@127.0.0.1:${port}/?queue=nowhere`);
    const result = await runCli(['failed', 'retry', '--all', '--config', 'retry.json'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        `^routeperf failed retry: could not set up transport amqp://guest:\\*\\*\\*@127\\.0\\.0\\.1:${port}/\\?queue=nowhere: cannot connect to .*ECONNREFUSED.*\\. Check that it is running and that "transport" points at it\\.\n$`,
      ),
    );
    expect(result.stderr).not.toContain('secret');
    const list = await runCli(['failed', 'list', '--format', 'json'], { cwd });
    expect(JSON.parse(list.stdout)).toMatchObject({ total: 1 });
  });
});

describeWithRabbitMQ('routeperf exits by what RabbitMQ said', () => {
  it('a broker that refuses the login is a configuration mistake: exit 2, with its reason', async () => {
    const cwd = await failedMessageFor(`amqp://guest:wrong@${AMQP_HOST}:${AMQP_PORT}/?queue=nowhere`);
    const result = await runCli(['failed', 'retry', '--all', '--config', 'retry.json'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^routeperf failed retry: RabbitMQ refused the connection to amqp:\/\/guest:\*\*\*@.*\(check the user, the password and the vhost\): .*ACCESS_REFUSED/,
    );
    expect(result.stderr).not.toContain('unexpected error');
    expect(result.stderr).not.toContain('wrong');
  });
});
