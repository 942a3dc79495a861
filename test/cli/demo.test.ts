import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, runCli, spawnCli, tempFolder } from '../support/cli.js';
import { readRoutes } from '../support/seed.js';

/** The table row of `route` in a report, split into its columns. */
function rowOf(report: string, route: string): string[] | undefined {
  return report
    .split('\n')
    .map((line) => line.split(/\s{2,}/))
    .find((cells) => cells[1] === route);
}

describe('routeperf demo', () => {
  it('--no-serve drives traffic, prints the report of every kind of route, and exits', async () => {
    // The asked-for port is taken: the demo must fall back to another one rather than fail.
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const takenPort = (blocker.address() as { port: number }).port;
    const cwd = tempFolder();
    try {
      const result = await runCli(['demo', '--no-serve', '--duration', '1', '--port', String(takenPort)], {
        cwd,
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`(port ${takenPort} was taken)`);
      expect(result.stdout).toMatch(/Sent [\d,]+ requests: 200 ×[\d,]+, 404 ×[\d,]+, 500 ×[\d,]+\n/);
      expect(result.stdout).not.toContain('Ctrl-C');

      expect(rowOf(result.stdout, '/fast')?.[3]).toBe('0.0%');
      expect(rowOf(result.stdout, '/slow')?.[3]).toBe('0.0%');
      expect(rowOf(result.stdout, '/fail')?.[3]).toBe('100.0%');
      expect(rowOf(result.stdout, '(unmatched)')).toBeDefined();
      expect(Number(rowOf(result.stdout, '/users/:id/orders')?.[9])).toBeGreaterThanOrEqual(4);
      // Users with 6 to 9 orders run the items query more than 5 times: the route is flagged as an N+1.
      expect(Number(rowOf(result.stdout, '/users/:id/orders')?.[11])).toBeGreaterThan(0);
      expect(rowOf(result.stdout, '/fast')?.[11]).toBe('-');
      expect(result.stdout).toMatch(
        /\n {2}GET \/users\/:id\/orders: [6-9]× select product, quantity from items where order_id = \?\n/,
      );
    } finally {
      blocker.close();
    }

    // Without --database the demo uses its own SQLite file in ./var of the working folder.
    const stored = await readRoutes({
      database: `sqlite:${join(cwd, 'var/routeperf-demo.sqlite')}`,
      environment: 'test',
    });
    const byRoute = new Map(stored.map((route) => [route.route, route]));
    const queries = byRoute.get('/users/:id/orders')!;
    // One query for the user, one for the orders, one per order (2 to 9 orders): never fewer than 4.
    expect(queries.queries.avg).toBeGreaterThanOrEqual(4);
    expect(queries.queries.timeAvg).toBeGreaterThan(0);
    expect(byRoute.get('/fast')!.queries.max).toBe(0);
    // Random users, half of whom have 6 to 9 orders: the items query is the one repeated past the threshold.
    expect(queries.nPlusOne.query).toBe('select product, quantity from items where order_id = ?');
    expect(queries.nPlusOne.maxRepeat).toBeGreaterThanOrEqual(6);
    expect(queries.nPlusOne.maxRepeat).toBeLessThanOrEqual(9);
    expect(queries.nPlusOne.requests).toBeGreaterThan(0);
    // The route waits 40 ms on a timer; Node may fire a timer up to 1 ms early by the clock that measures it.
    expect(byRoute.get('/slow')!.requestTime.min).toBeGreaterThanOrEqual(39);
    expect(byRoute.get('/fail')!.statusCodes).toEqual({ '500': byRoute.get('/fail')!.count });
    expect(byRoute.get('(unmatched)')!.statusCodes).toEqual({ '404': byRoute.get('(unmatched)')!.count });
  });

  it('keeps serving and recording until SIGTERM, then closes cleanly', async () => {
    const cwd = tempFolder();
    const database = `sqlite:${join(cwd, 'served.sqlite')}`;
    const child = await spawnCli(['demo', '--port', '0', '--duration', '0.5', '--database', database], {
      cwd,
    });
    const finished = collect(child);

    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
    });
    while (!/Dashboard \(this link logs you in once\): \S+\n/.test(output)) {
      const exited = await Promise.race([
        once(child.stdout!, 'data').then(() => false),
        finished.then(() => true),
      ]);
      if (exited) throw new Error(`the demo exited before serving:\n${(await finished).stderr}`);
    }
    const url = /Serving the demo at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
    const response = await fetch(`${url}/`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ demo: 'routeperf' });

    // One click from the printed link to the dashboard, which shows the demo's routes.
    const login = /Dashboard \(this link logs you in once\): (\S+)/.exec(output)![1]!;
    expect(login.startsWith(`${url}/performance/login?token=`)).toBe(true);
    const entered = await fetch(login, { redirect: 'manual' });
    expect(entered.status).toBe(303);
    const cookie = entered.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const overview = await fetch(new URL(entered.headers.get('location')!, url), { headers: { cookie } });
    expect(overview.status).toBe(200);
    expect(await overview.text()).toContain('/users/:id/orders');
    expect((await fetch(login, { redirect: 'manual' })).status).toBe(403);

    child.kill('SIGTERM');
    const result = await finished;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().endsWith('Stopped.')).toBe(true);

    // The request sent while serving is in the database: recording went on after the report.
    const stored = await readRoutes({ database, environment: 'test' });
    expect(stored.find((route) => route.route === '/')).toMatchObject({ method: 'GET', count: 1 });
    // The dashboard's own requests are not.
    expect(stored.filter((route) => route.route.includes('performance'))).toEqual([]);
  });
});
