import type { ResolvedAlertRule } from '../config/alert-types.js';
import type { AlertState, AlertSubject } from '../store/alert-states.js';

/** What an evaluation found for one subject. */
export interface Judgement {
  matching: boolean;
  value: number;
  requests: number;
}

/** The state to write and the message to send, when a judgement changes anything. */
export interface Transition {
  next: Omit<AlertState, 'version'>;
  message: { status: 'firing' | 'resolved'; repeat: boolean } | null;
}

/**
 * What a judgement does to a subject's state, or null when it changes nothing (so that a rule that keeps
 * matching, or keeps not matching, writes nothing). The cooldown bounds 'firing' messages: one when the
 * rule starts matching, then one reminder per cooldown while it still does; a rule that matches again
 * within the cooldown of the last one is held until the cooldown ends, so that a flapping rule sends one
 * message per cooldown at most. 'Resolved' goes out once, when a rule the channels were told of stops.
 */
export function transition(
  subject: AlertSubject,
  state: AlertState | null,
  judgement: Judgement,
  rule: Pick<ResolvedAlertRule, 'cooldownMs'>,
  now: Date,
): Transition | null {
  const base = { ...subject, value: judgement.value, requests: judgement.requests, changedAt: now };
  const told = state?.notified ?? null;
  if (!judgement.matching) {
    if (!state?.matching) return null;
    const resolves = told === 'firing';
    return {
      next: {
        ...base,
        matching: false,
        notified: resolves ? 'resolved' : told,
        since: null,
        lastSentAt: state.lastSentAt,
      },
      message: resolves ? { status: 'resolved', repeat: false } : null,
    };
  }
  const lastSentAt = state?.lastSentAt ?? null;
  const cooledDown = lastSentAt === null || now.getTime() - lastSentAt.getTime() >= rule.cooldownMs;
  const since = state?.matching ? state.since : now;
  if (cooledDown) {
    return {
      next: { ...base, matching: true, notified: 'firing', since, lastSentAt: now },
      message: { status: 'firing', repeat: Boolean(state?.matching) && told === 'firing' },
    };
  }
  if (state?.matching) return null;
  // Matching again within the cooldown: kept as matching, told later.
  return { next: { ...base, matching: true, notified: told, since, lastSentAt }, message: null };
}
