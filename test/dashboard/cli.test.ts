/**
 * `routeperf dashboard` as a user runs it: the compiled CLI in a child process over a SQLite file, its
 * printed URL and login link used over real sockets, and SIGINT or SIGTERM to stop it.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, printed, runCli, spawnCli, tempFolder } from '../support/cli.js';
import { ingest } from '../support/seed.js';
import { Browser, metrics } from './support.js';

/** A folder with a migrated SQLite database holding a few requests of `test`, and a config file. */
async function folderWithData(config: Record<string, unknown> = {}) {
  const cwd = tempFolder({ database: 'sqlite:./routeperf.sqlite', ...config });
  expect((await runCli(['migrate'], { cwd })).code).toBe(0);
  await ingest({ database: `sqlite:${join(cwd, 'routeperf.sqlite')}` }, [
    metrics({ environment: 'test', route: '/orders/:id' }),
    metrics({ environment: 'test', route: '/orders/:id', statusCode: 500 }),
  ]);
  return cwd;
}

describe('routeperf dashboard', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'serves the pages after its one-time login link, and stops cleanly on %s',
    async (signal) => {
      const cwd = await folderWithData();
      const child = await spawnCli(['dashboard', '--port', '0'], { cwd });
      const done = collect(child);
      const [, url, token] = await printed(
        child,
        /Serving (http:\/\/127\.0\.0\.1:\d+)\/ .*\n[\s\S]*?\/login\?token=([\w-]+)\n/,
      );

      const browser = new Browser(url!);
      expect((await browser.fetch('/')).status).toBe(403);
      const login = await browser.fetch(`/login?token=${token}`);
      expect(login.status).toBe(303);
      expect(login.headers.get('location')).toBe('/');
      expect(login.headers.getSetCookie().join()).toContain('Path=/;');
      const overview = await browser.fetch('/');
      expect(overview.status).toBe(200);
      expect(overview.body).toContain('/orders/:id');
      const routes = await browser.fetch('/routes?status=5xx');
      expect(routes.body).toContain('data-route="/orders/:id"');
      // It only reads: no review form, and no action behind it, though reviews are on by default.
      const route = await browser.fetch('/route?env=test&method=GET&route=%2Forders%2F%3Aid');
      expect(route.body).toContain('data-reviewed="false"');
      expect(route.body).not.toContain('/actions/');
      const csrf = /name="csrf" value="([^"]+)"/.exec(route.body)![1]!;
      const review = await browser.postForm('/actions/review', {
        csrf,
        env: 'test',
        method: 'GET',
        route: '/orders/:id',
        confirm: '/orders/:id',
      });
      expect(review.status).toBe(404);
      expect((await new Browser(url!).fetch(`/login?token=${token}`)).status).toBe(403);

      child.kill(signal);
      const result = await done;
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/Stopped\.\n$/);
    },
  );

  it('prints no login link when the configuration sets access control, and applies it', async () => {
    const cwd = await folderWithData({
      dashboard: { basicAuth: { user: 'ops', password: 'secret' }, locale: 'es' },
    });
    const child = await spawnCli(['dashboard', '--port', '0', '--host', '127.0.0.1'], { cwd });
    const done = collect(child);
    const [, url] = await printed(child, /Serving (http:\/\/127\.0\.0\.1:\d+)\/ \(Ctrl-C to stop\)\n/);
    const browser = new Browser(url!);
    expect((await browser.fetch('/routes')).status).toBe(401);
    const page = await browser.fetch('/routes', {
      headers: { authorization: `Basic ${Buffer.from('ops:secret').toString('base64')}` },
    });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html lang="es"');
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('login?token=');
  });

  it('fails with the migrate to run on a database without tables, creating nothing', async () => {
    const cwd = tempFolder({ database: 'sqlite:./data/routeperf.sqlite' });
    const result = await runCli(['dashboard', '--port', '0'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('routeperf migrate');
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });

  it('refuses a port that is taken, or that is not one, with exit code 2', async () => {
    const cwd = await folderWithData();
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    try {
      const taken = await runCli(['dashboard', '--port', String(port)], { cwd });
      expect(taken.code).toBe(2);
      expect(taken.stderr).toContain(`--port: port ${port} of 127.0.0.1 is taken; choose another`);
    } finally {
      blocker.close();
    }
    const wrong = await runCli(['dashboard', '--port', 'http'], { cwd });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--port: expected a whole number from 0 to 65535, got "http"');
  });
});
