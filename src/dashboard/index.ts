/**
 * The web dashboard of a routeperf: server-rendered pages of its routes' performance, read through the
 * handle's reads, and the actions the configuration turns on (reviews, deletions), made through the
 * store's admin. Framework-agnostic: `handle` takes and gives plain objects, and the
 * adapters reach it through the node:http bridge (`node`) or the Fetch one (`fetch`). Requests it answers
 * are the dashboard's, never the app's: the adapters do not record them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DashboardAction, DashboardRequest, ResolvedDashboardOptions } from '../config/types.js';
import type { Routeperf } from '../routeperf.js';
import { serveFetch, serveNode } from './bridges.js';
import { DashboardHandler } from './handler.js';
import type { DashboardResponse } from './responses.js';
import { Sessions } from './sessions.js';

export type { DashboardRequest, DashboardResponse };

export interface Dashboard {
  /** The mount path; `''` when the dashboard is the whole server (`routeperf dashboard`). */
  readonly path: string;
  /** True when `url` (path and query) is under the dashboard's path. */
  serves(url: string): boolean;
  /** The core handler: the answer to a request under the path, undefined for any other. */
  handle(request: DashboardRequest): Promise<DashboardResponse | undefined>;
  /** Answers a node:http request under the path and resolves to true; false for any other. */
  node(req: IncomingMessage, res: ServerResponse, url?: string): Promise<boolean>;
  /** Answers a Fetch API request under the path; undefined for any other. */
  fetch(request: Request): Promise<Response | undefined>;
  /**
   * A random token for one login: `GET <path>/login?token=<token>` within an hour, once, gives its
   * browser a session of 12 hours. Works whatever access control is configured, none included.
   */
  createLoginToken(): string;
}

/** Reviews are on unless turned off; the actions that delete data are off unless turned on. */
const DEFAULT_ACTIONS: Readonly<Record<DashboardAction, boolean>> = {
  review: true,
  deleteRoute: false,
  clearEnvironment: false,
  purgeRecords: false,
  deleteRecords: false,
};

/** The most rows a download holds unless `dashboard.export.maxRows` says otherwise. */
export const DEFAULT_EXPORT_MAX_ROWS = 5000;

export interface CreateDashboardOptions {
  /** Offer no action, whatever `options.actions` says: for a routeperf that only reads its database. */
  readOnly?: boolean;
}

/** Every action off: a dashboard that only reads. */
const NO_ACTIONS: Readonly<Record<DashboardAction, boolean>> = {
  review: false,
  deleteRoute: false,
  clearEnvironment: false,
  purgeRecords: false,
  deleteRecords: false,
};

/** A dashboard over `routeperf` with `options` (its mount path may be `''`, the root). */
export function createDashboard(
  routeperf: Routeperf,
  options: ResolvedDashboardOptions,
  { readOnly = false }: CreateDashboardOptions = {},
): Dashboard {
  const { config } = routeperf;
  const sessions = new Sessions();
  const handler = new DashboardHandler(
    routeperf,
    {
      path: options.path,
      locale: options.locale,
      autoRefresh: options.autoRefresh,
      environments: [...new Set([config.environment, ...config.environments])],
      thresholds: config.thresholds,
      logger: config.logger,
      actions: readOnly ? NO_ACTIONS : { ...DEFAULT_ACTIONS, ...options.actions },
      hooks: options.hooks ?? {},
      exportMaxRows: options.export?.maxRows ?? DEFAULT_EXPORT_MAX_ROWS,
      accessRecords: config.accessRecords.enabled,
      maxRoutes: config.maxRoutes,
    },
    {
      authorize: options.authorize,
      basicAuth: options.basicAuth,
      allowUnauthenticated: options.allowUnauthenticated,
    },
    sessions,
  );
  return {
    path: options.path,
    serves: (url) => handler.relativePath(url) !== undefined,
    handle: (request) => handler.handle(request),
    node: (req, res, url) => serveNode(handler, req, res, url),
    fetch: (request) => serveFetch(handler, request),
    createLoginToken: () => sessions.createLoginToken(),
  };
}

const dashboards = new WeakMap<Routeperf, Dashboard | null>();

/**
 * The dashboard of a routeperf, the same object every time (its sessions and login tokens are in it):
 * undefined unless `dashboard` is configured and routeperf is enabled.
 */
export function dashboardOf(routeperf: Routeperf): Dashboard | undefined {
  let dashboard = dashboards.get(routeperf);
  if (dashboard === undefined) {
    const { enabled, dashboard: options } = routeperf.config;
    dashboard = enabled && options ? createDashboard(routeperf, options) : null;
    dashboards.set(routeperf, dashboard);
  }
  return dashboard ?? undefined;
}
