/**
 * Request metrics as a real app would send them: 50 routes of a JSON API with skewed popularity, mostly
 * successful responses with some 404 and 500, log-normal request times, a query count per route, one
 * resident-memory figure drifting slowly, and a fresh UUID per request. Seeded, so every run measures the
 * same traffic (the ids excepted).
 */
import { randomUUID } from 'node:crypto';
import type { RequestMetrics } from '../../src/record/metrics.js';

export interface Traffic {
  /** As recorded with access records off: no path, referer or user. */
  plain: RequestMetrics[];
  /** The same requests as recorded with access records on. */
  withRecords: RequestMetrics[];
  routes: number;
  /** Time the requests span (ms), at `requestsPerSecond`. */
  spanMs: number;
}

interface Route {
  method: string;
  template: string;
  /** Median request time (ms). */
  medianMs: number;
  queries: number;
}

const RESOURCES = [
  'users',
  'orders',
  'products',
  'carts',
  'invoices',
  'payments',
  'reviews',
  'sessions',
  'reports',
  'notifications',
];
const SCANNED_PATHS = ['/wp-login.php', '/.env', '/favicon.ico', '/api/v0/users', '/admin'];
const SUCCESS: Record<string, number> = { GET: 200, POST: 201, PUT: 200, DELETE: 204 };

/** Request times spread this much around their route's median (σ of the logarithm). */
const TIME_SIGMA = 0.9;

/** `n` requests, as served by an app at `requestsPerSecond`, ending now. */
export function generateTraffic(n: number, requestsPerSecond = 2000, seed = 20_240_601): Traffic {
  const random = mulberry32(seed);
  const routes = apiRoutes(random);
  const pick = zipf(routes.length, random);
  const spanMs = Math.round((n / requestsPerSecond) * 1000);
  const start = Date.now() - spanMs;
  const plain: RequestMetrics[] = [];
  const withRecords: RequestMetrics[] = [];

  for (let i = 0; i < n; i++) {
    const route = routes[pick()]!;
    const roll = random();
    let { method, template } = route;
    let statusCode = SUCCESS[method]!;
    let slowdown = 1;
    if (roll < 0.02) {
      // A URL no route matches: a scanner, a stale link.
      method = 'GET';
      template = '(unmatched)';
      statusCode = 404;
      slowdown = 0.05;
    } else if (roll < 0.035) statusCode = template.includes(':id') ? 404 : 400;
    else if (roll < 0.045) {
      statusCode = 500;
      slowdown = 3;
    } else if (roll < 0.05) statusCode = 401;

    const requestTime = route.medianMs * slowdown * Math.exp(TIME_SIGMA * gaussian(random));
    const queryCount = template === '(unmatched)' ? 0 : route.queries + (random() < 0.1 ? 1 + (i % 3) : 0);
    const metrics: RequestMetrics = {
      id: randomUUID(),
      ts: start + Math.floor((i * spanMs) / n),
      environment: 'production',
      method,
      route: template,
      statusCode,
      requestTime,
      queryCount,
      queryTime: queryCount > 0 ? requestTime * (0.2 + 0.5 * random()) : 0,
      memory: Math.round(150e6 + 20e6 * Math.sin(i / 5000)),
    };
    plain.push(metrics);

    const recorded: RequestMetrics = { ...metrics, path: pathOf(template, random) };
    if (random() < 0.3) recorded.referer = 'https://app.example.com/dashboard';
    if (random() < 0.6) recorded.userId = String(1 + Math.floor(random() * 5000));
    withRecords.push(recorded);
  }
  return { plain, withRecords, routes: routes.length + 1, spanMs };
}

/** Five routes per resource, in a shuffled popularity order. */
function apiRoutes(random: () => number): Route[] {
  const routes = RESOURCES.flatMap((resource) => [
    ['GET', `/api/${resource}`],
    ['GET', `/api/${resource}/:id`],
    ['POST', `/api/${resource}`],
    ['PUT', `/api/${resource}/:id`],
    ['DELETE', `/api/${resource}/:id`],
  ]).map(([method, template]) => ({
    method: method!,
    template: template!,
    medianMs: 2 * 75 ** random(),
    queries: Math.floor(random() * 12),
  }));
  for (let i = routes.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [routes[i], routes[j]] = [routes[j]!, routes[i]!];
  }
  return routes;
}

function pathOf(template: string, random: () => number): string {
  if (template === '(unmatched)') return SCANNED_PATHS[Math.floor(random() * SCANNED_PATHS.length)]!;
  const path = template.replace(':id', String(1 + Math.floor(random() * 100_000)));
  return !template.includes(':id') && random() < 0.3 ? `${path}?page=${1 + Math.floor(random() * 20)}` : path;
}

/** Indexes 0…n-1, index k drawn with a weight of 1/(k+1): a few hot routes and a long tail. */
function zipf(n: number, random: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += 1 / (k + 1);
    cumulative.push(total);
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/** Standard normal (Box–Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A small seeded PRNG, uniform on [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
