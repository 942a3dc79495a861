import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { RouteperfOptions } from '../config/types.js';
import { dashboardOf } from '../dashboard/index.js';
import { internalsOf } from '../routeperf/internals.js';
import { createRouteperf, type Routeperf } from '../routeperf.js';
import { instrument, type RequestDescription } from './instrument.js';

export interface FastifyRouteperfOptions extends RouteperfOptions {
  /** A routeperf the app created itself; the plugin then neither creates nor closes one. */
  routeperf?: Routeperf;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeperf: Routeperf;
  }
}

const registerRouteperf: FastifyPluginAsync<FastifyRouteperfOptions> = async (
  app: FastifyInstance,
  options,
) => {
  const { routeperf: given, ...settings } = options;
  const routeperf = given ?? (await createRouteperf(settings));
  app.decorate('routeperf', routeperf);
  if (!given) app.addHook('onClose', () => routeperf.close());
  const dashboard = dashboardOf(routeperf);
  if (dashboard) {
    // Before the recording hook: a hijacked reply counts as sent, so Fastify runs no hook after this one
    // and no route, and the dashboard's request is not recorded.
    app.addHook('onRequest', async (request, reply) => {
      if (!dashboard.serves(request.url)) return;
      reply.hijack();
      await dashboard.node(request.raw, reply.raw, request.url);
    });
  }
  const { recorder } = internalsOf(routeperf);
  if (!recorder.active) return;

  app.addHook('onRequest', (request, reply, done) => {
    instrument(recorder, request.raw, reply.raw, fastifyRequests, request, done);
  });
};

const fastifyRequests: RequestDescription<FastifyRequest> = {
  route: (request) => (request.is404 ? undefined : request.routeOptions.url),
  url: (request) => request.url,
};

/**
 * Fastify 5 plugin: `app.register(routeperf, options)`. Records every request under
 * `request.routeOptions.url`; a request no route matched goes to `(unmatched)`. Closing the app flushes
 * and closes routeperf. Requests under `dashboard.path` are answered by the dashboard (an onRequest hook
 * that hijacks the reply), and not recorded.
 *
 * fastify-plugin skips encapsulation: the hooks must apply to the whole app, not only to a child context.
 */
const routeperfPlugin: FastifyPluginAsync<FastifyRouteperfOptions> = fastifyPlugin(registerRouteperf, {
  fastify: '5.x',
  name: 'routeperf',
});

export default routeperfPlugin;
export { routeperfPlugin as routeperf };
