import type { AlertNotification, ResolvedAlertRule } from '../config/alert-types.js';
import type { Logger } from '../logger.js';
import type { Routeperf } from '../routeperf.js';
import type { AlertDelivery, AlertState, AlertStates, AlertSubject } from '../store/alert-states.js';
import type { AlertChannel } from './channels/channel.js';
import { type DeliveryOutcome, deliver } from './delivery.js';
import { type Measured, WindowReads } from './measure.js';
import { notificationOf } from './message.js';
import { transition } from './transition.js';

/** What one evaluation did: per rule, the subjects judged and matching; every message, with its outcomes. */
export interface EvaluationReport {
  at: Date;
  rules: { rule: string; judged: number; matching: number }[];
  messages: { notification: AlertNotification; outcomes: DeliveryOutcome[] }[];
}

export interface EvaluatorParts {
  routeperf: Routeperf;
  states: AlertStates;
  rules: readonly ResolvedAlertRule[];
  /** The channels of each rule, opened, by rule name. */
  channels: ReadonlyMap<string, readonly AlertChannel[]>;
  logger: Logger;
  /** First pause between two attempts of a channel, doubled each retry. */
  backoffMs?: number;
}

const subjectKey = ({ environment, method, route }: AlertSubject) =>
  JSON.stringify([environment, method, route]);

/**
 * Judges the rules on the stored metrics and tells the channels what changed. The state of each subject
 * is read once per evaluation and written by compare and set: an evaluator that loses the race to
 * another (a second worker, a cron `alerts check`) sends nothing for that subject.
 */
export class AlertEvaluator {
  constructor(private readonly parts: EvaluatorParts) {}

  /** Where the rules' states are kept, and the evaluators' lease. */
  get states(): AlertStates {
    return this.parts.states;
  }

  async evaluate(now = new Date()): Promise<EvaluationReport> {
    const { routeperf, states, rules } = this.parts;
    const reads = new WindowReads(routeperf, now.getTime());
    const stored = await states.states(rules.map((rule) => rule.name));
    const report: EvaluationReport = { at: now, rules: [], messages: [] };
    const sending: Promise<void>[] = [];
    for (const rule of rules) {
      const own = new Map(stored.filter((state) => state.rule === rule.name).map((s) => [subjectKey(s), s]));
      const measured = await this.#measure(rule, reads, own);
      let matching = 0;
      for (const { subject, value, requests, judged } of measured) {
        const state = own.get(subjectKey(subject)) ?? null;
        const isMatching =
          judged && (rule.comparison === 'above' ? value > rule.threshold : value < rule.threshold);
        if (isMatching) matching++;
        const change = transition(subject, state, { matching: isMatching, value, requests }, rule, now);
        if (!change || !(await states.compareAndSet(state, change.next))) continue;
        if (!change.message) continue;
        const since = change.message.status === 'resolved' ? (state?.since ?? null) : change.next.since;
        const notification = notificationOf(rule, subject, change.message, { value, requests, since }, now);
        sending.push(this.#send(rule, notification, report));
      }
      report.rules.push({ rule: rule.name, judged: measured.filter((m) => m.judged).length, matching });
    }
    await Promise.all(sending);
    return report;
  }

  /** Releases the channels (an SMTP pool). */
  async close(): Promise<void> {
    const channels = [...this.parts.channels.values()].flat();
    await Promise.allSettled(channels.map((channel) => channel.close()));
  }

  /**
   * The subjects of a rule: those the reads found with at least `minRequests` requests (judged), and those
   * with a state that matched and are no longer found, which stop matching (not judged).
   */
  async #measure(rule: ResolvedAlertRule, reads: WindowReads, own: ReadonlyMap<string, AlertState>) {
    const environments = rule.environments ?? [this.parts.routeperf.config.environment];
    const found: (Measured & { judged: boolean })[] = [];
    for (const environment of environments) {
      for (const measured of await reads.measure(rule, environment))
        found.push({ ...measured, judged: measured.requests >= rule.minRequests });
    }
    const seen = new Set(found.map(({ subject }) => subjectKey(subject)));
    for (const [key, state] of own) {
      if (seen.has(key) || !state.matching) continue;
      const { rule: name, environment, method, route } = state;
      found.push({
        subject: { rule: name, environment, method, route },
        value: 0,
        requests: 0,
        judged: false,
      });
    }
    return found;
  }

  async #send(rule: ResolvedAlertRule, notification: AlertNotification, report: EvaluationReport) {
    const { channels, logger, backoffMs, states } = this.parts;
    const outcomes = await deliver(notification, channels.get(rule.name) ?? [], { backoffMs, logger });
    report.messages.push({ notification, outcomes });
    const deliveries: AlertDelivery[] = outcomes.map((outcome) => ({
      at: notification.at,
      rule: notification.rule,
      environment: notification.environment,
      method: notification.method,
      route: notification.route,
      status: notification.status,
      repeat: notification.repeat,
      channel: outcome.channel,
      outcome: outcome.outcome,
      attempts: outcome.attempts,
      error: outcome.error,
    }));
    await states.recordDeliveries(deliveries).catch((error: unknown) => {
      logger.warn(
        `routeperf alerts: could not record ${deliveries.length} deliveries: ${(error as Error).message}`,
      );
    });
  }
}
