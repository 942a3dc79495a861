import { createServer, type Server } from 'node:http';
import {
  Controller,
  Get,
  type INestApplication,
  Module,
  type ModuleMetadata,
  Post,
  Req,
  Res,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import express from 'express';
import Fastify from 'fastify';

export type NestPlatform = 'express' | 'fastify';
export const NEST_PLATFORMS: NestPlatform[] = ['express', 'fastify'];

/** A route of a Nest controller: its handler gets the platform's request and response (`@Req()`, `@Res()`). */
export interface NestRoute {
  method: 'GET' | 'POST';
  path: string;
  handle(req: any, res: any): unknown;
}

/**
 * A controller class at `path` with `routes`. The decorators are applied as functions, as the tests are
 * compiled without decorator support.
 */
export function controller(path: string, routes: NestRoute[]): Type {
  class RoutesController {}
  routes.forEach((route, index) => {
    const name = `route${index}`;
    Object.defineProperty(RoutesController.prototype, name, { value: route.handle, writable: true });
    const descriptor = Object.getOwnPropertyDescriptor(RoutesController.prototype, name)!;
    (route.method === 'GET' ? Get : Post)(route.path)(RoutesController.prototype, name, descriptor);
    Req()(RoutesController.prototype, name, 0);
    Res()(RoutesController.prototype, name, 1);
  });
  Controller(path)(RoutesController);
  return RoutesController;
}

/**
 * A Nest app of one module with `metadata`, on `platform`, set up with `configure` (a global prefix, say)
 * and initialised but not listening: `server` is the platform's server, for the caller to listen on once
 * `started` settles. It rejects when Nest cannot create the app.
 */
export function nestApp(
  platform: NestPlatform,
  metadata: ModuleMetadata,
  configure: (app: INestApplication) => void = () => {},
): { server: Server; started: Promise<INestApplication> } {
  class AppModule {}
  Module(metadata)(AppModule);
  let server: Server;
  let adapter: ExpressAdapter | FastifyAdapter;
  let ready = async () => {};
  if (platform === 'express') {
    // Nest's own server is left unused, as in an app that serves its Express app on servers of its own.
    const instance = express();
    server = createServer(instance);
    adapter = new ExpressAdapter(instance);
  } else {
    const instance = Fastify();
    server = instance.server;
    adapter = new FastifyAdapter(instance);
    ready = async () => void (await instance.ready());
  }
  const started = (async () => {
    // abortOnError: false makes a failed start reject rather than end the process.
    const app = await NestFactory.create(AppModule, adapter, { logger: false, abortOnError: false });
    configure(app);
    await app.init();
    await ready();
    return app;
  })();
  return { server, started };
}
