import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { driveTraffic } from '../../src/demo/traffic.js';

const server = createServer((request, response) => {
  seen.push(request.url ?? '');
  response.statusCode = request.url === '/missing' ? 404 : 200;
  response.end();
});
let seen: string[] = [];

afterEach(() => {
  server.close();
  seen = [];
});

it('sends every path of a whole round from each client, even when the time is up at once', async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const result = await driveTraffic(`http://127.0.0.1:${port}`, 0, {
    concurrency: 3,
    round: () => ['/a', '/b', '/missing'],
  });
  expect(seen.sort()).toEqual(['/a', '/a', '/a', '/b', '/b', '/b', '/missing', '/missing', '/missing']);
  expect(result).toEqual({ requests: 9, statuses: { 200: 6, 404: 3 }, failed: 0 });
});
