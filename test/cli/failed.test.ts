import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { POISON, QUEUE_DSN, queueSetup, recordMessages } from './queue.js';

interface ListedMessage {
  id: number;
  messageId: string | null;
  body: string;
  error: string;
  transport: string;
  attempts: number;
  failedAt: string;
}

async function listJson(cwd: string): Promise<{ total: number; messages: ListedMessage[] }> {
  const result = await runCli(['failed', 'list', '--format', 'json'], { cwd });
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

/** A setup whose worker has consumed 4 good messages and one poison message of each kind. */
async function withPoison() {
  const setup = await queueSetup();
  const good = recordMessages(4);
  await setup.queue.send([
    good[0]!,
    POISON.notJson.body,
    good[1]!,
    POISON.unknownVersion.body,
    good[2]!,
    POISON.invalidBody.body,
    good[3]!,
  ]);
  const consumed = await runCli(['consume', '--limit', '7'], { cwd: setup.cwd });
  expect(consumed.code).toBe(0);
  expect(consumed.stdout).toContain('Stopped: limit of 7 messages reached. 4 messages stored, 3 failed');
  return setup;
}

describe.concurrent('routeperf failed', () => {
  it('poison messages go to the failure store with their error; the rest of their batch is stored', async () => {
    const { cwd, stored, queue } = await withPoison();
    expect(await stored()).toBe(4);
    expect(await queue.stats()).toEqual({ pending: 0, inFlight: 0 });

    const { total, messages } = await listJson(cwd);
    expect(total).toBe(3);
    expect(messages.map((message) => [message.body, message.transport, message.attempts])).toEqual([
      [POISON.notJson.body, QUEUE_DSN, 1],
      [POISON.unknownVersion.body, QUEUE_DSN, 1],
      [POISON.invalidBody.body, QUEUE_DSN, 1],
    ]);
    expect(messages[0]!.error).toContain(POISON.notJson.error);
    expect(messages[1]!.error).toContain(POISON.unknownVersion.error);
    expect(messages[2]!.error).toContain(POISON.invalidBody.error);
    expect(messages.map((message) => message.messageId)).toEqual([null, 'from-the-future', 'bad-status']);

    const table = await runCli(['failed', 'list'], { cwd });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^3 failed messages in sqlite:/);
    for (const message of messages) expect(table.stdout).toMatch(new RegExp(`^ *${message.id}  `, 'm'));
    expect(table.stdout).toContain('PoisonMessageError: not JSON');
  });

  it('failed list --limit shows the oldest ones and says there are more', async () => {
    const { cwd } = await withPoison();
    const result = await runCli(['failed', 'list', '--limit', '2'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('3 failed messages in');
    expect(result.stdout).toContain('(the first 2; --limit for more)');
    expect(result.stdout).not.toContain('bad-status');
  });

  it('failed show prints the full body and the error', async () => {
    const { cwd } = await withPoison();
    const [, second] = (await listJson(cwd)).messages;
    const result = await runCli(['failed', 'show', String(second!.id)], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Failed message ${second!.id}`);
    expect(result.stdout).toContain('message id  from-the-future');
    expect(result.stdout).toContain(`Error:\n${second!.error}\n`);
    expect(result.stdout).toContain(`Body:\n${POISON.unknownVersion.body}\n`);
  });

  it('failed retry --all sends them back unchanged; a fixed one is then stored, the others fail again', async () => {
    const { cwd, database, stored, queue } = await withPoison();
    const before = (await listJson(cwd)).messages;
    // What an operator does once the cause is fixed (here: by hand, in the failure store).
    const fixed = recordMessages(1)[0]!;
    const db = new Database(database.slice('sqlite:'.length));
    db.prepare('update routeperf_failed_messages set body = ? where id = ?').run(fixed, before[2]!.id);
    db.close();

    const retry = await runCli(['failed', 'retry', '--all'], { cwd });
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain(
      `Sent 3 failed messages back to ${QUEUE_DSN} and removed them from the failure store`,
    );
    expect(await listJson(cwd)).toEqual({ total: 0, messages: [] });
    expect(await queue.stats()).toEqual({ pending: 3, inFlight: 0 });

    const consumed = await runCli(['consume', '--limit', '3'], { cwd });
    expect(consumed.stdout).toContain('1 message stored, 2 failed');
    expect(await stored()).toBe(5);
    const after = (await listJson(cwd)).messages;
    expect(after.map((message) => message.body)).toEqual([POISON.notJson.body, POISON.unknownVersion.body]);
    expect(Math.min(...after.map((message) => message.id))).toBeGreaterThan(before[2]!.id);
  });

  it('failed retry <ids> sends only those', async () => {
    const { cwd, queue } = await withPoison();
    const [first, , third] = (await listJson(cwd)).messages;
    const retry = await runCli(['failed', 'retry', String(first!.id), String(third!.id)], { cwd });
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain('Sent 2 failed messages back');
    expect((await listJson(cwd)).messages.map((message) => message.messageId)).toEqual(['from-the-future']);
    expect(await queue.stats()).toEqual({ pending: 2, inFlight: 0 });
  });

  it('failed remove <ids> removes those, --all the rest', async () => {
    const { cwd } = await withPoison();
    const [first, second] = (await listJson(cwd)).messages;
    const removed = await runCli(['failed', 'remove', String(first!.id), String(second!.id)], { cwd });
    expect(removed).toMatchObject({ code: 0, stdout: 'Removed 2 failed messages.\n' });
    expect((await listJson(cwd)).total).toBe(1);
    const all = await runCli(['failed', 'remove', '--all'], { cwd });
    expect(all).toMatchObject({ code: 0, stdout: 'Removed 1 failed message.\n' });
    const empty = await runCli(['failed', 'list'], { cwd });
    expect(empty.stdout).toMatch(/^No failed messages in sqlite:/);
    const nothing = await runCli(['failed', 'remove', '--all'], { cwd });
    expect(nothing).toMatchObject({ code: 0, stdout: 'No failed messages to remove.\n' });
  });

  it('unknown ids exit 1 and change nothing, even when other ids exist', async () => {
    const { cwd, queue } = await withPoison();
    const [first] = (await listJson(cwd)).messages;
    for (const command of ['show', 'retry', 'remove']) {
      const ids = command === 'show' ? ['999'] : [String(first!.id), '999', '1000'];
      const result = await runCli(['failed', command, ...ids], { cwd });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(
        `routeperf failed ${command}: no failed message with ${command === 'show' ? 'id 999' : 'ids 999, 1000'}; nothing was done.`,
      );
    }
    expect((await listJson(cwd)).total).toBe(3);
    expect(await queue.stats()).toEqual({ pending: 0, inFlight: 0 });
  });

  it('with an in-process transport, failed retry stores the messages here and now', async () => {
    const { cwd, database, stored } = await withPoison();
    const [first] = (await listJson(cwd)).messages;
    const fixed = recordMessages(1)[0]!;
    const db = new Database(database.slice('sqlite:'.length));
    db.prepare('update routeperf_failed_messages set body = ? where id = ?').run(fixed, first!.id);
    db.close();
    // The config says database://default; the command line makes the app's transport sync:// instead.
    writeFileSync(join(cwd, 'sync.json'), JSON.stringify({ database, environment: 'test', async: true }));
    const result = await runCli(['failed', 'retry', '--all', '--config', 'sync.json'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'Stored 1 of 3 failed messages here; 2 failed again (see routeperf failed list).\n',
    );
    expect(await stored()).toBe(5);
    expect((await listJson(cwd)).total).toBe(2);
  });
});
