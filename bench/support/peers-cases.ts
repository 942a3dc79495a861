/**
 * The cases of `bench/peers.ts`: which apps (framework × workload) it serves and which variants — routeperf
 * or the tools a user would pick instead — each is measured with, and the names the tables give them.
 */
export const frameworks = ['fastify', 'express'] as const;
export const workloads = ['hello', 'query'] as const;
export const variants = [
  'bare',
  'disabled',
  'sync',
  'async-memory',
  'async-redis',
  'fastify-metrics',
  'express-prom-bundle',
  'swagger-stats',
  'otel-metrics',
  'otel-traces',
] as const;
export type Framework = (typeof frameworks)[number];
export type Workload = (typeof workloads)[number];
export type Variant = (typeof variants)[number];

export interface Case {
  framework: Framework;
  workload: Workload;
  variant: Variant;
}

/** An app: the variants of one framework and workload are compared with its bare variant. */
export type App = Omit<Case, 'variant'>;

export const variantLabels: Record<Variant, string> = {
  bare: 'without monitoring',
  disabled: 'routeperf enabled: false',
  sync: 'routeperf sync, SQLite file',
  'async-memory': 'routeperf async, memory:// (worker in-process → SQLite)',
  'async-redis': 'routeperf async, redis:// (worker in another process → SQLite)',
  'fastify-metrics': 'fastify-metrics (prom-client)',
  'express-prom-bundle': 'express-prom-bundle (prom-client)',
  'swagger-stats': 'swagger-stats',
  'otel-metrics': 'OpenTelemetry metrics (OTLP/HTTP)',
  'otel-traces': 'OpenTelemetry traces (OTLP/HTTP, batched)',
};

/** Short column titles of the summary table. */
export const variantColumns: Record<Variant, string> = {
  bare: 'bare req/s',
  disabled: 'disabled',
  sync: 'sync',
  'async-memory': 'memory://',
  'async-redis': 'redis://',
  'fastify-metrics': 'fastify-metrics',
  'express-prom-bundle': 'prom-bundle',
  'swagger-stats': 'swagger-stats',
  'otel-metrics': 'otel metrics',
  'otel-traces': 'otel traces',
};

export const routeperfVariants: readonly Variant[] = ['disabled', 'sync', 'async-memory', 'async-redis'];
export const otelVariants: readonly Variant[] = ['otel-metrics', 'otel-traces'];

/** Peers made for one framework only. */
const onlyFor: Partial<Record<Variant, Framework>> = {
  'fastify-metrics': 'fastify',
  'express-prom-bundle': 'express',
  'swagger-stats': 'express',
};

export function applies(framework: Framework, variant: Variant): boolean {
  return (onlyFor[variant] ?? framework) === framework;
}

export const frameworkNames: Record<Framework, string> = { fastify: 'Fastify', express: 'Express' };
export const workloadNames: Record<Workload, string> = { hello: 'hello', query: 'one-query' };

export function appName(app: App): string {
  return `${frameworkNames[app.framework]} ${workloadNames[app.workload]}`;
}

export function appKey(app: App): string {
  return `${app.framework} ${app.workload}`;
}

export function caseKey(c: Case): string {
  return `${appKey(c)} ${c.variant}`;
}

/** Every app of the selection, in the order the tables list them. */
export function appsOf(selected: { frameworks: Framework[]; workloads: Workload[] }): App[] {
  return frameworks
    .filter((framework) => selected.frameworks.includes(framework))
    .flatMap((framework) =>
      workloads
        .filter((workload) => selected.workloads.includes(workload))
        .map((workload) => ({ framework, workload })),
    );
}

/** Every case of the selection: each app with each chosen variant that exists for its framework. */
export function casesOf(apps: readonly App[], chosen: readonly Variant[]): Case[] {
  return apps.flatMap((app) =>
    variants
      .filter((variant) => chosen.includes(variant) && applies(app.framework, variant))
      .map((variant) => ({ ...app, variant })),
  );
}

/** A seeded Fisher–Yates shuffle: a round's order, the same again for the same seed. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
