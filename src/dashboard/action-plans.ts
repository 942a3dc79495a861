/**
 * What each dashboard action would do, read from its form: the details the hooks get, the name the user
 * must confirm, and the change itself, made through the store's admin (reviews and deletions are the
 * store's to make; the dashboard only asks). A form that names no route where one is needed plans nothing.
 */
import type { DashboardAction, DashboardActionDetails, DashboardRequest } from '../config/types.js';
import type { RouteperfInternals } from '../routeperf/internals.js';
import { recordsFilterQuery, recordsFilters, recordsParams } from './page-params.js';
import { methodParam, oneOf } from './params.js';

type Admin = Awaited<ReturnType<RouteperfInternals['store']['admin']>>;

export interface ActionPlan {
  details: DashboardActionDetails;
  /** What `confirm` must be: the route's name, or the environment's. */
  confirm: string;
  /** The `done` parameter of the page shown after it. */
  done: string;
  /** Makes the change; resolves to what changed (see DashboardActionResult). */
  run(admin: Admin): Promise<number>;
}

const DAY_MS = 24 * 60 * 60_000;
/** The longest purge age a form may ask: a hundred years. */
const MAX_DAYS = 36_500;

/** A review answer: `yes`, `no`, or anything else for not said. */
function answer(value: string | null): boolean | null {
  return value === 'yes' ? true : value === 'no' ? false : null;
}

/** The route a form names, when it names one: its method (letters) and its exact name. */
function routeOf(form: URLSearchParams): { method: string; route: string } | undefined {
  const method = methodParam(form);
  const route = form.get('route');
  return method && route ? { method, route } : undefined;
}

export interface PlanInput {
  form: URLSearchParams;
  environments: readonly string[];
  request: DashboardRequest;
  user: string | undefined;
}

export function planAction(action: DashboardAction, input: PlanInput): ActionPlan | undefined {
  const { form, environments } = input;
  const environment = oneOf(form.get('env'), environments) ?? environments[0]!;
  const base = { environment, request: input.request, ...(input.user ? { user: input.user } : {}) };
  switch (action) {
    case 'review':
      return planReview(form, base);
    case 'deleteRoute': {
      const one = routeOf(form);
      if (!one) return undefined;
      return {
        details: { ...base, ...one },
        confirm: one.route,
        done: 'deleteRoute',
        run: (admin) => admin.deleteRoute({ environment, ...one }),
      };
    }
    case 'clearEnvironment':
      return {
        details: base,
        confirm: environment,
        done: 'clearEnvironment',
        run: (admin) => admin.clearEnvironment(environment),
      };
    case 'purgeRecords':
      return planPurge(form, base);
    case 'deleteRecords':
      return planDeleteRecords(input, base);
  }
}

type Base = Pick<DashboardActionDetails, 'environment' | 'request' | 'user'>;

function planReview(form: URLSearchParams, base: Base): ActionPlan | undefined {
  const one = routeOf(form);
  if (!one) return undefined;
  const reset = form.get('op') === 'reset';
  // A form without the field is by the user of Basic authentication; an empty field is by nobody named.
  const reviewer = form.has('reviewer') ? form.get('reviewer')!.trim().slice(0, 200) : base.user;
  const review = reset
    ? null
    : {
        reviewer: reviewer && !/[\p{Cc}]/u.test(reviewer) ? reviewer : null,
        queriesImproved: answer(form.get('queriesImproved')),
        timeImproved: answer(form.get('timeImproved')),
      };
  return {
    details: { ...base, ...one, review },
    confirm: one.route,
    done: reset ? 'reviewReset' : 'review',
    run: async (admin) => ((await admin.review({ environment: base.environment, ...one }, review)) ? 1 : 0),
  };
}

function planPurge(form: URLSearchParams, base: Base): ActionPlan | undefined {
  const days = /^\d{1,5}$/.test(form.get('days')?.trim() ?? '') ? Number(form.get('days')!.trim()) : 0;
  if (days < 1 || days > MAX_DAYS) return undefined;
  const olderThan = new Date(Date.now() - days * DAY_MS);
  return {
    details: { ...base, olderThan },
    confirm: base.environment,
    done: 'purgeRecords',
    run: (admin) => admin.purgeAccessRecords(olderThan, base.environment),
  };
}

function planDeleteRecords(input: PlanInput, base: Base): ActionPlan {
  // The form carries the records page's window and filters, in the page's own parameters.
  const params = recordsParams(input.form, input.environments);
  const { sort: _sort, order: _order, ...query } = recordsFilterQuery(params);
  const filters: Record<string, string | number> = {
    since: new Date(params.window.since).toISOString(),
    until: new Date(params.window.until).toISOString(),
  };
  for (const [key, value] of Object.entries(recordsFilters(params)))
    if (value !== undefined) filters[key] = value;
  return {
    details: { ...base, filters },
    confirm: base.environment,
    done: 'deleteRecords',
    run: (admin) => admin.deleteAccessRecords({ ...query, environment: base.environment }),
  };
}
