/** What an alert rule measures over its window, per route or over a whole environment. */
export type AlertMetric =
  | 'p95'
  | 'p99'
  | 'avg'
  | 'errorRate'
  | 'queries'
  | 'nPlusOne'
  | 'memory'
  | 'throughput';

/**
 * One message about one rule and one subject (a route, or a whole environment), as every channel sends
 * it: `title` and `text` for people, the rest for programs (webhook bodies, `notify` functions).
 */
export interface AlertNotification {
  /** 'firing' when the rule matches, 'resolved' when it stopped matching. */
  status: 'firing' | 'resolved';
  /** A reminder: the rule still matches, one cooldown after the last message. */
  repeat: boolean;
  rule: string;
  environment: string;
  /** The route's method and template; both null for a rule over the whole environment. */
  method: string | null;
  route: string | null;
  metric: AlertMetric;
  comparison: 'above' | 'below';
  threshold: number;
  /** The metric over the window at this evaluation (ms, 0..1, queries, bytes or requests per minute). */
  value: number;
  /** Requests in the window. */
  requests: number;
  /** The rule's window, as configured ('5m'). */
  window: string;
  /** When the rule started matching for this subject. */
  since: Date;
  /** When this message was made. */
  at: Date;
  /** One short line: what, where, how much. */
  title: string;
  /** A few lines: the title, the figures and the window. */
  text: string;
}

/** How a channel is configured, once validated (`alertChannels` or a rule's `channels`). */
export type ChannelConfig = ChannelSettings &
  (
    | { type: 'email'; url: string; from: string; to: string[] }
    | { type: 'slack'; url: string }
    | { type: 'teams'; url: string }
    | { type: 'webhook'; url: string; secret?: string; headers?: Record<string, string> }
    | { type: 'notify'; notify: (notification: AlertNotification) => unknown }
  );

/** What every channel takes besides its own fields. */
export interface ChannelSettings {
  /** Shown in logs and in `routeperf alerts list`. Default: its key in `alertChannels`, else its type. */
  name?: string;
  /** Milliseconds one attempt may take. Default 10,000. */
  timeout?: number;
  /** Attempts after the first one fails. Default 2. */
  retries?: number;
}

/** When a rule matches: its metric over the window, above or below a threshold. */
export interface AlertCondition {
  metric: AlertMetric;
  /**
   * Matches above this value. For `avg`, `p95`, `p99`, `queries` and `memory`, `'warning'` or `'critical'`
   * take the level of `thresholds` (request time, query count, memory).
   */
  above?: number | 'warning' | 'critical';
  /** Matches below this value (a traffic drop: `throughput`). */
  below?: number;
  /** How far back the metric looks: whole minutes, hours or days (`'5m'`, `'1h'`). Default `'5m'`. */
  window?: string;
}

/** One alert rule, as a user writes it in `alerts`. */
export interface AlertRule {
  /** Unique among the rules: the state of the alert is kept under it. */
  name: string;
  when: AlertCondition;
  /** Routes the rule watches, as in `ignoreRoutes` ("GET /users/*", "/api/*"). Default: every route. */
  routes?: string[];
  /** Environments the rule watches. Default: the current one. */
  environments?: string[];
  /**
   * `'route'` (default): each route on its own, one alert per route. `'environment'`: every request of the
   * environment together, one alert (a rule over the whole environment takes no `routes`).
   */
  per?: 'route' | 'environment';
  /** The least requests in the window for the rule to be judged at all. Default 1; 0 for a traffic drop. */
  minRequests?: number;
  /** Least time between two messages that the rule still matches. Default `'30m'`. */
  cooldown?: string;
  /** Where its messages go: names of `alertChannels`, or channels written in place. */
  channels: (string | ChannelConfig)[];
}

/** A rule with its defaults filled in, its thresholds as numbers and its channels looked up. */
export interface ResolvedAlertRule {
  name: string;
  metric: AlertMetric;
  comparison: 'above' | 'below';
  threshold: number;
  window: string;
  windowMs: number;
  routes: string[];
  /** Null: the current environment. */
  environments: string[] | null;
  per: 'route' | 'environment';
  minRequests: number;
  cooldown: string;
  cooldownMs: number;
  /** Each with its name. */
  channels: (ChannelConfig & { name: string })[];
}
