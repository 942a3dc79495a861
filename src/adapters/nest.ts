import {
  type DynamicModule,
  Inject,
  Module,
  type NestModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { validate } from '../config/load.js';
import type { RouteperfOptions } from '../config/types.js';
import { createRouteperf, type Routeperf } from '../routeperf.js';
import { routeperf as expressMiddleware } from './express.js';
import fastifyPlugin from './fastify.js';

/** The injection token of the app's routeperf: `@Inject(ROUTEPERF) routeperf: Routeperf`. */
export const ROUTEPERF = Symbol('routeperf');
/** Whether the module created routeperf, and so closes it. */
const OWNS_ROUTEPERF = Symbol('routeperf owned by the module');

export interface NestRouteperfOptions extends RouteperfOptions {
  /** A routeperf the app created itself; the module then neither creates nor closes one. */
  routeperf?: Routeperf;
}

/**
 * Records every request of a Nest app, on the Express platform (@nestjs/platform-express) or the Fastify
 * platform (@nestjs/platform-fastify): `imports: [RouteperfModule.forRoot(options)]` in the root module.
 * Routes are recorded under their full Nest path (global prefix, controller path, method path:
 * `/v1/users/:id`); requests no route matched go to `(unmatched)`.
 *
 * Underneath, it is routeperf's Express middleware or Fastify plugin, put on the platform's app before
 * Nest adds its middleware and routes. The decorators are applied as functions below, so that routeperf
 * needs no decorator support from the compiler.
 */
export class RouteperfModule implements NestModule, OnApplicationShutdown {
  constructor(
    private readonly routeperf: Routeperf,
    private readonly adapterHost: HttpAdapterHost,
    private readonly ownsRouteperf: boolean,
  ) {}

  /**
   * Invalid options throw here, when the app's modules are declared. Routeperf is created while Nest
   * creates the app, which fails with an invalid config file's error.
   */
  static forRoot(options: NestRouteperfOptions = {}): DynamicModule {
    const { routeperf: given, ...settings } = options;
    if (!given) validate(settings, 'options');
    return {
      module: RouteperfModule,
      global: true,
      providers: [
        { provide: ROUTEPERF, useFactory: () => given ?? createRouteperf(settings) },
        { provide: OWNS_ROUTEPERF, useValue: !given },
      ],
      exports: [ROUTEPERF],
    };
  }

  /**
   * Nest configures the modules' middleware before it adds any route: the place to put routeperf first.
   * Nest's body parsers and what the app passed to `app.use()` are already in place, and run before it.
   */
  async configure(): Promise<void> {
    const adapter = this.adapterHost.httpAdapter;
    const platform = adapter.getType();
    if (platform === 'express') adapter.use(expressMiddleware(this.routeperf));
    else if (platform === 'fastify')
      await (adapter.getInstance() as FastifyInstance).register(fastifyPlugin, { routeperf: this.routeperf });
    else throw new TypeError(`RouteperfModule runs on the express and fastify platforms, not on ${platform}`);
  }

  /** Closes routeperf once Nest has closed the server, so that no request still served is left out. */
  async onApplicationShutdown(): Promise<void> {
    if (this.ownsRouteperf) await this.routeperf.close();
  }
}

Module({})(RouteperfModule);
Inject(ROUTEPERF)(RouteperfModule, undefined, 0);
Inject(HttpAdapterHost)(RouteperfModule, undefined, 1);
Inject(OWNS_ROUTEPERF)(RouteperfModule, undefined, 2);
