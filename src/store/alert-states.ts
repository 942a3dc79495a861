import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { StoreDialect } from './dialects/index.js';
import type { AlertDeliveriesTable, AlertStatesTable, Database } from './tables.js';

/** What an alert rule is about: a route of an environment, or the whole environment (method, route null). */
export interface AlertSubject {
  rule: string;
  environment: string;
  method: string | null;
  route: string | null;
}

/** A rule's state for one subject, as the last evaluation that changed it left it. */
export interface AlertState extends AlertSubject {
  /** Whether the rule matched at the last change. */
  matching: boolean;
  /** What the channels were last told; null before the first message. */
  notified: 'firing' | 'resolved' | null;
  /** The metric and the requests of the window at the last change. */
  value: number;
  requests: number;
  /** Since when the rule has matched (null when it does not). */
  since: Date | null;
  /** When the last 'firing' message went out: the cooldown counts from it. */
  lastSentAt: Date | null;
  changedAt: Date;
  /** Bumped by every write (compare and set). */
  version: number;
}

/** One message to one channel, as `routeperf alerts list` shows it. */
export interface AlertDelivery extends AlertSubject {
  at: Date;
  status: 'firing' | 'resolved';
  repeat: boolean;
  channel: string;
  outcome: 'sent' | 'failed';
  attempts: number;
  error: string | null;
}

/** The key of a subject's state: a digest, as rule names and routes are too long for one MySQL key. */
function stateId({ rule, environment, method, route }: AlertSubject): string {
  return createHash('sha256')
    .update(JSON.stringify([rule, environment, method, route]))
    .digest('hex');
}

const date = (value: number | null) => (value === null ? null : new Date(Number(value)));

function stateOf(row: Selectable<AlertStatesTable>): AlertState {
  return {
    rule: row.rule,
    environment: row.environment,
    method: row.method,
    route: row.route,
    matching: Number(row.matching) === 1,
    notified: row.notified as AlertState['notified'],
    value: Number(row.value),
    requests: Number(row.requests),
    since: date(row.since),
    lastSentAt: date(row.last_sent_at),
    changedAt: date(row.changed_at)!,
    version: Number(row.version),
  };
}

function deliveryOf(row: Selectable<AlertDeliveriesTable>): AlertDelivery {
  return {
    at: date(row.sent_at)!,
    rule: row.rule,
    environment: row.environment,
    method: row.method,
    route: row.route,
    status: row.status as AlertDelivery['status'],
    repeat: Number(row.is_repeat) === 1,
    channel: row.channel,
    outcome: row.outcome as AlertDelivery['outcome'],
    attempts: Number(row.attempts),
    error: row.error,
  };
}

/**
 * Alert state in the store's database, shared by every worker and `routeperf alerts check`: a change of
 * state is written by compare and set, so that of two evaluators judging the same minute only one writes it,
 * and only the one that wrote it sends the message.
 */
export class AlertStates {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  /** Every state, or those of the rules named. */
  async states(rules?: readonly string[]): Promise<AlertState[]> {
    let query = this.db.selectFrom('alert_states').selectAll();
    if (rules) {
      if (rules.length === 0) return [];
      query = query.where('rule', 'in', rules);
    }
    const rows = await query.orderBy('rule').orderBy('environment').orderBy('route').execute();
    return rows.map(stateOf);
  }

  /**
   * Writes `next` over `previous` (null: no state yet), unless another evaluator changed it since. True when
   * this call wrote it: the caller then, and only then, sends what the change says.
   */
  async compareAndSet(previous: AlertState | null, next: Omit<AlertState, 'version'>): Promise<boolean> {
    const values = {
      matching: next.matching ? 1 : 0,
      notified: next.notified,
      value: next.value,
      requests: next.requests,
      since: next.since?.getTime() ?? null,
      last_sent_at: next.lastSentAt?.getTime() ?? null,
      changed_at: next.changedAt.getTime(),
    };
    const id = stateId(next);
    if (previous === null) {
      const insert = this.db.insertInto('alert_states').values({
        id,
        rule: next.rule,
        environment: next.environment,
        method: next.method,
        route: next.route,
        version: 1,
        ...values,
      });
      const result = await this.dialect.insertIgnoringDuplicates(insert, ['id']).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    const result = await this.db
      .updateTable('alert_states')
      .set({ ...values, version: previous.version + 1 })
      .where('id', '=', id)
      .where('version', '=', previous.version)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async recordDeliveries(deliveries: readonly AlertDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.db
      .insertInto('alert_deliveries')
      .values(
        deliveries.map((delivery) => ({
          sent_at: delivery.at.getTime(),
          rule: delivery.rule.slice(0, 255),
          environment: delivery.environment,
          method: delivery.method,
          route: delivery.route,
          status: delivery.status,
          is_repeat: delivery.repeat ? 1 : 0,
          channel: delivery.channel.slice(0, 255),
          outcome: delivery.outcome,
          attempts: delivery.attempts,
          error: delivery.error,
        })),
      )
      .execute();
  }

  /** The latest messages, newest first. */
  async deliveries(limit: number): Promise<AlertDelivery[]> {
    const rows = await this.db
      .selectFrom('alert_deliveries')
      .selectAll()
      .orderBy('sent_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(deliveryOf);
  }

  /**
   * Takes or renews the lease `name` for `holder` until `now + ttl`, when it is free, expired or already
   * the holder's. True when the holder has it.
   */
  async holdLease(name: string, holder: string, ttl: number, now = Date.now()): Promise<boolean> {
    const renewed = await this.db
      .updateTable('leases')
      .set({ holder, expires_at: now + ttl })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<', now)]))
      .executeTakeFirst();
    if (Number(renewed.numUpdatedRows) === 1) return true;
    const insert = this.db.insertInto('leases').values({ name, holder, expires_at: now + ttl });
    const taken = await this.dialect.insertIgnoringDuplicates(insert, ['name']).executeTakeFirst();
    return Number(taken.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Gives the lease up, if the holder has it, so that another evaluator need not wait for it to expire. */
  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }
}
