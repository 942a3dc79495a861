import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import routeperfPlugin from '../adapters/fastify.js';
import type { Routeperf } from '../routeperf.js';
import { importDriver } from '../store/dialects/shared/import-driver.js';
import { Shop, USER_IDS } from './shop.js';

/** One round of demo traffic, weighted like a real app: mostly fast, some slow and query-heavy, a few failures. */
export function demoRequestRound(): string[] {
  const user = () => USER_IDS[Math.floor(Math.random() * USER_IDS.length)];
  return [
    '/fast',
    '/fast',
    '/fast',
    '/fast',
    '/fast',
    '/slow',
    `/users/${user()}/orders`,
    `/users/${user()}/orders`,
    '/fail',
    '/no-such-page',
  ];
}

/**
 * A sample Fastify app recorded by `routeperf`: a fast route, a slow one, a query-heavy one on SQLite, one
 * that throws (500), and whatever else is asked for goes to `(unmatched)` (404).
 */
export async function buildDemoApp(routeperf: Routeperf): Promise<FastifyInstance> {
  // Fastify is an optional peer of routeperf: only the demo needs it.
  const { default: Fastify } = await importDriver<typeof import('fastify')>('fastify', 'routeperf demo');
  const app = Fastify({ logger: false });
  const shop = new Shop();
  app.addHook('onClose', async () => shop.close());
  await app.register(routeperfPlugin, { routeperf });

  app.get('/', async () => ({
    demo: 'routeperf',
    try: ['/fast', '/slow', '/users/7/orders', '/fail', '/no-such-page'],
  }));
  app.get('/fast', async () => ({ ok: true }));
  app.get('/slow', async () => {
    await sleep(40 + Math.random() * 80);
    return { ok: true, slow: true };
  });
  app.get<{ Params: { id: string } }>('/users/:id/orders', async (request, reply) => {
    const orders = shop.userOrders(Number(request.params.id));
    if (!orders) return reply.code(404).send({ error: 'no such user' });
    return orders;
  });
  app.get('/fail', async () => {
    throw new Error('this route fails on purpose');
  });
  return app;
}
