import Fastify from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { describe, expect, it } from 'vitest';
import routeperfPlugin from '../../src/adapters/fastify.js';
import { deferAfterEach } from '../support/cleanup.js';
import { sqliteUrl } from '../support/sqlite.js';

const defer = deferAfterEach();

/** A Fastify app with routeperf registered at its root, closed after the test. */
function appWithRouteperf() {
  const app = Fastify();
  app.register(routeperfPlugin, { database: sqliteUrl(), environment: 'test', enabled: false });
  defer(() => app.close());
  return app;
}

describe('the Fastify plugin as Fastify sees it', () => {
  it('is registered under the name routeperf, so other plugins can depend on it', async () => {
    const app = appWithRouteperf();
    app.register(fastifyPlugin(async () => {}, { name: 'needs-routeperf', dependencies: ['routeperf'] }));
    await app.ready();
    expect(app.hasPlugin('routeperf')).toBe(true);
  });

  it('decorates the app it is registered on, not an encapsulated child of it', async () => {
    const app = appWithRouteperf();
    let seenByChild: unknown;
    app.register(async (child) => {
      seenByChild = child.routeperf;
    });
    await app.ready();
    expect(app.hasDecorator('routeperf')).toBe(true);
    expect(seenByChild).toBe(app.routeperf);
  });
});
