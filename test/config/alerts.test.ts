import { describe, expect, it } from 'vitest';
import type { AlertRule } from '../../src/config/alert-types.js';
import { resolveConfig } from '../../src/config/load.js';
import { RouteperfError } from '../../src/errors.js';

const cwd = '/nonexistent-routeperf-config-folder';
const slack = { type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/SECRET' } as const;
const rule = (overrides: Partial<AlertRule> & Record<string, unknown> = {}): AlertRule => ({
  name: 'slow',
  when: { metric: 'p95', above: 500 },
  channels: ['oncall'],
  ...overrides,
});

async function resolved(options: Record<string, unknown>) {
  return resolveConfig({ env: {}, cwd, explicit: { alertChannels: { oncall: slack }, ...options } as never });
}

async function problems(options: Record<string, unknown>): Promise<string> {
  const error = await resolved(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RouteperfError);
  expect((error as RouteperfError).code).toBe('ROUTEPERF_CONFIG_INVALID');
  return (error as Error).message;
}

describe('alert rules', () => {
  it('fill their defaults, take threshold levels and look their channels up by name', async () => {
    const config = await resolved({
      thresholds: { requestTime: { critical: 1500 } },
      alerts: [
        rule({ when: { metric: 'p99', above: 'critical' } }),
        rule({
          name: 'drop',
          when: { metric: 'throughput', below: 1, window: '15m' },
          per: 'environment',
          minRequests: 0,
          cooldown: '2h',
          channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/x' }],
        }),
      ],
      alertInterval: '30s',
    });
    expect(config.alertInterval).toBe(30_000);
    expect(config.alerts).toEqual([
      expect.objectContaining({
        name: 'slow',
        metric: 'p99',
        comparison: 'above',
        threshold: 1500,
        window: '5m',
        windowMs: 300_000,
        per: 'route',
        minRequests: 1,
        cooldown: '30m',
        cooldownMs: 1_800_000,
        channels: [{ ...slack, name: 'oncall' }],
      }),
      expect.objectContaining({
        name: 'drop',
        comparison: 'below',
        threshold: 1,
        windowMs: 900_000,
        per: 'environment',
        minRequests: 0,
        cooldownMs: 7_200_000,
        channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/x', name: 'webhook' }],
      }),
    ]);
    expect((await resolved({})).alerts).toEqual([]);
  });

  it.each([
    [{ alerts: 'slow' }, 'alerts: expected a list of alert rules, got "slow"'],
    [
      { alerts: [rule({ when: { metric: 'p90', above: 1 } as never })] },
      'alerts[0].when.metric: expected one of p95, p99, avg, errorRate, queries, nPlusOne, memory, throughput, got "p90"',
    ],
    [
      { alerts: [rule({ when: { metric: 'p95', above: 'high' } as never })] },
      'alerts[0].when.above: expected a number, or "warning" or "critical" (a level of thresholds), got "high"',
    ],
    [
      { alerts: [rule({ when: { metric: 'p95', above: 1, window: '90s' } })] },
      'alerts[0].when.window: expected a window of whole minutes, hours or days such as "5m", "1h" or "1d", got "90s"',
    ],
    [
      { alerts: [rule({ cooldown: 'soon' })] },
      'alerts[0].cooldown: expected a duration such as "30s", "30m", "1h" or "1d", got "soon"',
    ],
    [
      { alerts: [rule({ minRequests: -1 })] },
      'alerts[0].minRequests: expected a whole number of at least 0, got -1',
    ],
    [
      { alerts: [rule({ per: 'host' as never })] },
      'alerts[0].per: expected "route" or "environment", got "host"',
    ],
    [{ alerts: [rule({ channels: [] })] }, 'alerts[0].channels: expected at least one channel'],
    [{ alerts: [rule({ chanels: ['oncall'] })] }, 'alerts[0].chanels: unknown key; did you mean "channels"?'],
    [
      { alerts: [rule({ channels: [{ type: 'sms', url: 'x' }] as never })] },
      'alerts[0].channels[0].type: expected a channel { type: "email" | "slack" | "teams" | "webhook" | "notify", … }',
    ],
    [
      { alerts: [rule({ channels: [{ type: 'slack' }] as never })] },
      'alerts[0].channels[0].url: expected a Slack incoming webhook URL',
    ],
    [
      { alerts: [rule({ channels: [{ type: 'webhook', url: 'ftp://x/y' }] })] },
      'alerts[0].channels[0].url: expected an http:// or https:// URL (wrong scheme)',
    ],
    [
      { alerts: [rule({ channels: [{ type: 'slack', url: 'https://x/y', retry: 3 }] as never })] },
      'alerts[0].channels[0].retry: expected no such key (a channel takes type, url, name, timeout, retries)',
    ],
    [
      { alertChannels: { mail: { type: 'email', url: 'smtp://h:25', from: 'a@b.c', to: [] } } },
      'alertChannels.mail.to: expected a list of email addresses',
    ],
    [
      { alertChannels: { mail: { type: 'email', url: 'http://h', from: 'nobody', to: ['a@b.c'] } } },
      'alertChannels.mail.url: expected an SMTP URL',
    ],
    [{ alertInterval: 60 }, 'alertInterval: expected a duration such as "30s", "30m", "1h" or "1d", got 60'],
  ])('reject %j, naming the key', async (options, message) => {
    expect(await problems(options)).toContain(message);
  });

  it.each([
    [[rule(), rule()], 'alerts[1].name: expected a name no other rule has, got "slow"'],
    [
      [rule({ channels: ['pager'] })],
      'alerts[0].channels[0]: expected the name of a channel in alertChannels (oncall), got "pager"',
    ],
    [
      [rule({ when: { metric: 'errorRate', above: 'warning' } })],
      'alerts[0].when.above: expected a number for errorRate ("warning" and "critical" name thresholds of avg, p95, p99, queries, memory), got "warning"',
    ],
    [
      [rule({ when: { metric: 'p95' } })],
      'alerts[0].when: expected exactly one of above or below, got neither',
    ],
    [
      [rule({ when: { metric: 'p95', above: 1, below: 2 } })],
      'alerts[0].when: expected exactly one of above or below, got both',
    ],
    [
      [rule({ per: 'environment', routes: ['/api/*'] })],
      'alerts[0].routes: expected none with per: "environment"',
    ],
  ])('reject rules that only the merged configuration can judge: %j', async (alerts, message) => {
    expect(await problems({ alerts })).toContain(message);
  });

  it('print neither the Slack token nor the SMTP password of a wrong channel', async () => {
    const message = await problems({
      alertChannels: {
        oncall: { type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/SECRET', timeout: 0 },
        mail: { type: 'email', url: 'smtp://user:hunter2@h:25', from: 'a@b.c', to: 'ops' },
      },
    });
    expect(message).toContain('alertChannels.oncall.timeout');
    expect(message).toContain('alertChannels.mail.to');
    expect(message).not.toContain('hunter2');
  });
});
