/**
 * The alert options: rules (`alerts`), named channels (`alertChannels`) and how often workers evaluate the
 * rules (`alertInterval`). The schema checks each value alone; `resolveAlertRules` checks what needs the
 * merged configuration (channel names, thresholds by level, unique rule names).
 */
import { z } from 'zod';
import type { AlertMetric, AlertRule, ChannelConfig, ResolvedAlertRule } from './alert-types.js';
import { urlProblem } from './url.js';

export const ALERT_METRICS = [
  'p95',
  'p99',
  'avg',
  'errorRate',
  'queries',
  'nPlusOne',
  'memory',
  'throughput',
] as const satisfies readonly AlertMetric[];

/** The levels of `thresholds` (written here rather than imported: types.ts imports the schema). */
type ResolvedThresholds = Record<
  'requestTime' | 'queryCount' | 'memory',
  { warning: number; critical: number }
>;

/** The thresholds (`thresholds.<key>`) that `above: 'warning' | 'critical'` takes, per metric. */
const LEVEL_OF: Partial<Record<AlertMetric, keyof ResolvedThresholds>> = {
  avg: 'requestTime',
  p95: 'requestTime',
  p99: 'requestTime',
  queries: 'queryCount',
  memory: 'memory',
};

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const WINDOW = /^([1-9][0-9]{0,5})(m|h|d)$/;
const WINDOW_EXPECTED = 'a window of whole minutes, hours or days such as "5m", "1h" or "1d"';
const PAUSE = /^([1-9][0-9]{0,5})(s|m|h|d)$/;
const PAUSE_EXPECTED = 'a duration such as "30s", "30m", "1h" or "1d"';

/** Milliseconds of a window or a pause the schema accepted. */
export function alertDurationMs(duration: string): number {
  const [, amount, unit] = PAUSE.exec(duration)!;
  return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
}

const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const webUrl = (what: string, schemes: RegExp) =>
  text(what).superRefine((value, context) => {
    const problem = urlProblem(value) ?? (schemes.test(value) ? undefined : 'wrong scheme');
    if (problem) context.addIssue({ code: 'custom', message: `expected ${what} (${problem})` });
  });
const whole = (what: string, min: number) =>
  z
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .min(min, { error: `expected ${what}` });

const channelSettings = {
  name: text('a channel name').optional(),
  timeout: whole('milliseconds, a whole number of at least 1', 1).optional(),
  retries: whole('a whole number of retries, at least 0', 0).optional(),
};
const HTTP = /^https?:\/\//;
const EMAIL = text('an email address').regex(/^[^\s@]+@[^\s@]+$/, { error: 'expected an email address' });

const CHANNEL_EXPECTED =
  'expected a channel { type: "email" | "slack" | "teams" | "webhook" | "notify", … } or the name of one in alertChannels';

export const channel = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('email'),
      url: webUrl('an SMTP URL such as smtp://user:password@host:587 or smtps://…', /^smtps?:\/\//),
      from: EMAIL,
      to: z.array(EMAIL, { error: 'expected a list of email addresses' }).min(1, {
        error: 'expected a list of email addresses',
      }),
      ...channelSettings,
    }),
    z.strictObject({
      type: z.literal('slack'),
      url: webUrl('a Slack incoming webhook URL', HTTP),
      ...channelSettings,
    }),
    z.strictObject({
      type: z.literal('teams'),
      url: webUrl('a Microsoft Teams webhook URL', HTTP),
      ...channelSettings,
    }),
    z.strictObject({
      type: z.literal('webhook'),
      url: webUrl('an http:// or https:// URL', HTTP),
      secret: text('a secret to sign the body with (HMAC-SHA256)').optional(),
      headers: z
        .record(z.string(), z.string(), { error: 'expected an object of header names and values' })
        .optional(),
      ...channelSettings,
    }),
    z.strictObject({
      type: z.literal('notify'),
      notify: z.custom<(notification: unknown) => unknown>((value) => typeof value === 'function', {
        error: 'expected a function (notification) => void | Promise<void>',
      }),
      ...channelSettings,
    }),
  ],
  { error: CHANNEL_EXPECTED },
);

/**
 * A rule's channel: the name of one in alertChannels, or one written in place. Checked by hand rather than
 * as a union, whose error would only say that neither matched: a channel written in place is told what
 * is wrong with it, key by key.
 */
const channelEntry = z.unknown().superRefine((value, context) => {
  if (typeof value === 'string') {
    if (value === '')
      context.addIssue({ code: 'custom', message: 'expected the name of a channel in alertChannels' });
    return;
  }
  const result = channel.safeParse(value);
  for (const issue of result.error?.issues ?? []) {
    if (issue.code !== 'unrecognized_keys') {
      context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      continue;
    }
    const allowed = Object.keys(channelShape(value)?.shape ?? {}).join(', ');
    for (const key of issue.keys)
      context.addIssue({
        code: 'custom',
        message: `expected no such key (a channel takes ${allowed})`,
        path: [...issue.path, key],
      });
  }
}) as unknown as z.ZodType<string | ChannelConfig>;

/** The schema of the channel type `value` names. */
function channelShape(value: unknown) {
  const type = (value as { type?: unknown } | null)?.type;
  return channel.options.find((option) => option.shape.type.value === type);
}

const rule = z.strictObject(
  {
    name: text('a rule name of 1 to 255 characters').max(255, {
      error: 'expected a rule name of 1 to 255 characters',
    }),
    when: z.strictObject(
      {
        metric: z.enum(ALERT_METRICS, { error: `expected one of ${ALERT_METRICS.join(', ')}` }),
        above: z
          .union([z.number().refine(Number.isFinite), z.enum(['warning', 'critical'])], {
            error: 'expected a number, or "warning" or "critical" (a level of thresholds)',
          })
          .optional(),
        below: z
          .number({ error: 'expected a number' })
          .refine(Number.isFinite, { error: 'expected a number' })
          .optional(),
        window: z
          .string({ error: `expected ${WINDOW_EXPECTED}` })
          .regex(WINDOW, { error: `expected ${WINDOW_EXPECTED}` })
          .optional(),
      },
      { error: 'expected an object { metric, above | below, window }' },
    ),
    routes: z
      .array(text('a route name or glob such as "GET /users/*"'), { error: 'expected a list of route globs' })
      .optional(),
    environments: z
      .array(text('an environment name'), { error: 'expected a list of environment names' })
      .min(1, {
        error: 'expected a list of environment names',
      })
      .optional(),
    per: z.enum(['route', 'environment'], { error: 'expected "route" or "environment"' }).optional(),
    minRequests: whole('a whole number of at least 0', 0).optional(),
    cooldown: z
      .string({ error: `expected ${PAUSE_EXPECTED}` })
      .regex(PAUSE, { error: `expected ${PAUSE_EXPECTED}` })
      .optional(),
    channels: z
      .array(channelEntry, { error: 'expected a list of channels' })
      .min(1, { error: 'expected at least one channel' }),
  },
  {
    error:
      'expected an alert rule { name, when, routes, environments, per, minRequests, cooldown, channels }',
  },
);

export const alertSettingsShape = {
  alerts: z.array(rule, { error: 'expected a list of alert rules' }),
  alertChannels: z.record(z.string(), channel, { error: 'expected an object of { <name>: channel }' }),
  alertInterval: z
    .string({ error: `expected ${PAUSE_EXPECTED}` })
    .regex(PAUSE, { error: `expected ${PAUSE_EXPECTED}` }),
};

/** The defaults of a rule that leaves them out. */
export const ALERT_DEFAULTS = {
  window: '5m',
  cooldown: '30m',
  minRequests: 1,
  per: 'route',
  interval: '1m',
} as const;

/**
 * The rules with their defaults, thresholds and channels resolved. Every problem is pushed to `problems`
 * as a `key: expected …, got …` line, so that one start-up says all of them.
 */
export function resolveAlertRules(
  rules: readonly AlertRule[],
  channels: Readonly<Record<string, ChannelConfig>>,
  thresholds: ResolvedThresholds,
  problems: string[],
): ResolvedAlertRule[] {
  const seen = new Set<string>();
  return rules.map((rule, i) => {
    const key = `alerts[${i}]`;
    if (seen.has(rule.name))
      problems.push(`${key}.name: expected a name no other rule has, got ${JSON.stringify(rule.name)}`);
    seen.add(rule.name);
    const { comparison, threshold } = thresholdOf(rule, key, thresholds, problems);
    const per = rule.per ?? ALERT_DEFAULTS.per;
    if (per === 'environment' && rule.routes?.length)
      problems.push(
        `${key}.routes: expected none with per: "environment" (it judges every request of the environment together), got ${JSON.stringify(rule.routes)}`,
      );
    const window = rule.when.window ?? ALERT_DEFAULTS.window;
    const cooldown = rule.cooldown ?? ALERT_DEFAULTS.cooldown;
    return {
      name: rule.name,
      metric: rule.when.metric,
      comparison,
      threshold,
      window,
      windowMs: alertDurationMs(window),
      routes: rule.routes ?? [],
      environments: rule.environments ?? null,
      per,
      minRequests: rule.minRequests ?? ALERT_DEFAULTS.minRequests,
      cooldown,
      cooldownMs: alertDurationMs(cooldown),
      channels: rule.channels.flatMap((entry, j) => {
        if (typeof entry !== 'string') return [{ ...entry, name: entry.name ?? entry.type }];
        const named = channels[entry];
        if (named) return [{ ...named, name: named.name ?? entry }];
        const known = Object.keys(channels);
        problems.push(
          `${key}.channels[${j}]: expected the name of a channel in alertChannels (${known.length ? known.join(', ') : 'none is set'}), got ${JSON.stringify(entry)}`,
        );
        return [];
      }),
    };
  });
}

function thresholdOf(
  rule: AlertRule,
  key: string,
  thresholds: ResolvedThresholds,
  problems: string[],
): { comparison: 'above' | 'below'; threshold: number } {
  const { above, below, metric } = rule.when;
  if ((above === undefined) === (below === undefined)) {
    problems.push(
      `${key}.when: expected exactly one of above or below, got ${above === undefined ? 'neither' : 'both'}`,
    );
    return { comparison: 'above', threshold: 0 };
  }
  if (below !== undefined) return { comparison: 'below', threshold: below };
  if (typeof above === 'number') return { comparison: 'above', threshold: above };
  const level = LEVEL_OF[metric];
  if (level) return { comparison: 'above', threshold: thresholds[level][above!] };
  problems.push(
    `${key}.when.above: expected a number for ${metric} ("warning" and "critical" name thresholds of ${Object.keys(LEVEL_OF).join(', ')}), got ${JSON.stringify(above)}`,
  );
  return { comparison: 'above', threshold: 0 };
}
