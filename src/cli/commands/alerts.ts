import { type EvaluationReport, openAlertEvaluator, subjectText } from '../../alerts/index.js';
import type { ResolvedAlertRule } from '../../config/alert-types.js';
import { plural } from '../../routeperf/count-text.js';
import { internalsOf } from '../../routeperf/internals.js';
import type { AlertDelivery, AlertState } from '../../store/alert-states.js';
import { defineCommand } from '../command.js';
import { EXIT_FAILURE } from '../exit.js';
import { renderTable } from '../format.js';
import { cliLayer, withRouteperf } from '../open.js';
import { oneOf, wholeNumber } from '../values.js';

const FORMAT = {
  type: 'string',
  value: '<text|json>',
  description: 'Output format (default: text)',
} as const;
const out = (text: string) => process.stdout.write(`${text}\n`);
const NO_RULES =
  'No alert rules are configured: add them under `alerts` in the config file (see docs/alerts.md).';

export const alertsCheckCommand = defineCommand({
  name: 'alerts check',
  summary: 'Judge the alert rules once on the stored metrics, and send what changed',
  details: [
    'For cron, where no worker runs: each rule is judged over its window ending now, its state is kept in',
    'the database, and a message goes out when a rule starts or stops matching (one per cooldown while it',
    'keeps matching). Run beside workers, it sends nothing twice: a change is written once, by whoever',
    'judges it first.',
  ].join('\n'),
  options: { format: FORMAT },
  examples: ['routeperf alerts check', '* * * * * cd /srv/app && npx routeperf alerts check --format json'],
  exitCodes:
    'Exit codes: 0 judged, 1 a channel failed or the database failed, 2 wrong arguments or configuration.',
  async run(values) {
    const format = oneOf('format', values.format, ['text', 'json'] as const) ?? 'text';
    return withRouteperf(cliLayer(values), async (routeperf) => {
      if (routeperf.config.alerts.length === 0) {
        out(format === 'json' ? JSON.stringify({ rules: [], messages: [] }) : NO_RULES);
        return undefined;
      }
      const evaluator = await openAlertEvaluator(routeperf);
      try {
        const report = await evaluator.evaluate();
        out(format === 'json' ? JSON.stringify(report) : checkText(report));
        const failed = report.messages.some(({ outcomes }) => outcomes.some((o) => o.outcome === 'failed'));
        return failed ? EXIT_FAILURE : undefined;
      } finally {
        await evaluator.close();
      }
    });
  },
});

export const alertsListCommand = defineCommand({
  name: 'alerts list',
  summary: 'Show the alert rules, what each is firing for, and the latest messages sent or failed',
  options: {
    limit: { type: 'string', value: '<n>', description: 'Latest messages shown (default: 20)' },
    format: FORMAT,
  },
  examples: ['routeperf alerts list', 'routeperf alerts list --limit 100 --format json'],
  async run(values) {
    const format = oneOf('format', values.format, ['text', 'json'] as const) ?? 'text';
    const limit = wholeNumber('limit', values.limit) ?? 20;
    await withRouteperf(cliLayer(values), async (routeperf) => {
      const rules = routeperf.config.alerts;
      const states = await internalsOf(routeperf).store.alertStates();
      const [current, deliveries] = await Promise.all([
        states.states(rules.map((rule) => rule.name)),
        states.deliveries(limit),
      ]);
      if (format === 'json') {
        out(JSON.stringify({ rules: rules.map(ruleJson), states: current, deliveries }));
        return;
      }
      out(listText(rules, current, deliveries));
    });
  },
});

function ruleJson(rule: ResolvedAlertRule) {
  const { channels, windowMs: _w, cooldownMs: _c, ...rest } = rule;
  return { ...rest, channels: channels.map((channel) => ({ name: channel.name, type: channel.type })) };
}

const time = (date: Date | null) => (date ? date.toISOString() : '-');

function checkText(report: EvaluationReport): string {
  const lines = [`Judged ${plural(report.rules.length, 'rule')} at ${report.at.toISOString()}:`];
  for (const { rule, judged, matching } of report.rules)
    lines.push(`  ${rule}: ${plural(judged, 'subject')} judged, ${matching} matching`);
  if (report.messages.length === 0) lines.push('No message to send: nothing changed.');
  for (const { notification, outcomes } of report.messages) {
    lines.push(notification.title);
    for (const o of outcomes)
      lines.push(
        `  ${o.channel}: ${o.outcome} (${plural(o.attempts, 'attempt')})${o.error ? `: ${o.error}` : ''}`,
      );
  }
  return lines.join('\n');
}

function listText(rules: readonly ResolvedAlertRule[], states: AlertState[], deliveries: AlertDelivery[]) {
  if (rules.length === 0) return NO_RULES;
  const ruleTable = renderTable(
    [
      { header: 'rule', align: 'left', cell: (r: ResolvedAlertRule) => r.name },
      {
        header: 'when',
        align: 'left',
        cell: (r) => `${r.metric} ${r.comparison} ${r.threshold} over ${r.window}`,
      },
      { header: 'per', align: 'left', cell: (r) => r.per },
      { header: 'cooldown', align: 'left', cell: (r) => r.cooldown },
      { header: 'channels', align: 'left', cell: (r) => r.channels.map((c) => c.name).join(', ') },
    ],
    rules,
  );
  const firing = states.filter((state) => state.matching);
  const stateTable = renderTable(
    [
      { header: 'rule', align: 'left', cell: (s: AlertState) => s.rule },
      { header: 'subject', align: 'left', cell: (s) => subjectText(s), maxWidth: 60 },
      {
        header: 'told',
        align: 'left',
        cell: (s) => (s.notified === 'firing' ? 'firing' : 'held (cooldown)'),
      },
      { header: 'value', align: 'right', cell: (s) => String(Number(s.value.toFixed(3))) },
      { header: 'since', align: 'left', cell: (s) => time(s.since) },
      { header: 'last sent', align: 'left', cell: (s) => time(s.lastSentAt) },
    ],
    firing,
  );
  const deliveryTable = renderTable(
    [
      { header: 'at', align: 'left', cell: (d: AlertDelivery) => time(d.at) },
      { header: 'rule', align: 'left', cell: (d) => d.rule },
      { header: 'subject', align: 'left', cell: (d) => subjectText(d), maxWidth: 50 },
      { header: 'status', align: 'left', cell: (d) => (d.repeat ? 'firing (reminder)' : d.status) },
      { header: 'channel', align: 'left', cell: (d) => d.channel },
      { header: 'outcome', align: 'left', cell: (d) => `${d.outcome} (${plural(d.attempts, 'attempt')})` },
      { header: 'error', align: 'left', cell: (d) => d.error ?? '', maxWidth: 60 },
    ],
    deliveries,
  );
  return [
    `Rules:\n${ruleTable}`,
    firing.length ? `Firing:\n${stateTable}` : 'Firing: none.',
    deliveries.length ? `Latest messages:\n${deliveryTable}` : 'Latest messages: none yet.',
  ].join('\n\n');
}
