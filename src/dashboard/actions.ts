/**
 * `POST <path>/actions/<action>`: the dashboard's actions, in this order of checks. An action the
 * configuration leaves off does not exist (404). The form must carry the CSRF token (403), name what it
 * changes (400), and confirm it: `confirm` must be that name, else nothing changes and a page asks to type
 * it. Then `dashboard.hooks.before` may veto it (403, nothing changes); the store's admin makes the
 * change; `dashboard.hooks.after` hears how it went; and the browser goes back to its page, which says
 * what was done.
 */
import type {
  DashboardAction,
  DashboardActionDetails,
  DashboardActionResult,
  DashboardHooks,
} from '../config/types.js';
import { internalsOf } from '../routeperf/internals.js';
import type { Routeperf } from '../routeperf.js';
import { type ActionPlan, planAction } from './action-plans.js';
import { confirmPage } from './pages/confirm.js';
import { backLink, messagePage } from './pages/message.js';
import { backTo, hasCsrfToken } from './preferences-form.js';
import { type DashboardResponse, htmlResponse, redirect } from './responses.js';
import type { DashboardSettings, Visit } from './visit.js';

export const ACTIONS: readonly DashboardAction[] = [
  'review',
  'deleteRoute',
  'clearEnvironment',
  'purgeRecords',
  'deleteRecords',
];

export function isAction(name: string): name is DashboardAction {
  return (ACTIONS as readonly string[]).includes(name);
}

/** Only `true` from `before` lets the action happen; a throw or a rejection vetoes it, logged. */
async function allowedByHook(
  hooks: DashboardHooks,
  action: DashboardAction,
  details: DashboardActionDetails,
  settings: DashboardSettings,
): Promise<boolean> {
  if (!hooks.before) return true;
  try {
    return (await hooks.before(action, details)) === true;
  } catch (error) {
    warn(settings, `dashboard.hooks.before threw, so ${action} was not done: ${messageOf(error)}`);
    return false;
  }
}

async function tellAfterHook(
  settings: DashboardSettings,
  action: DashboardAction,
  details: DashboardActionDetails,
  result: DashboardActionResult,
): Promise<void> {
  try {
    await settings.hooks.after?.(action, details, result);
  } catch (error) {
    warn(settings, `dashboard.hooks.after threw after ${action}: ${messageOf(error)}`);
  }
}

const messageOf = (error: unknown) => (error as Error)?.message ?? String(error);

function warn(settings: DashboardSettings, message: string): void {
  try {
    settings.logger.warn(message);
  } catch {
    // A broken logger must not turn an answer into a crash.
  }
}

/** Answers a request to `<path>/actions/<action>` (`action` already known to be one of ACTIONS). */
export async function handleAction(
  routeperf: Routeperf,
  settings: DashboardSettings,
  visit: Visit,
  action: DashboardAction,
): Promise<DashboardResponse> {
  const extras = { cookies: visit.setCookies, head: visit.head };
  const page = visit.page;
  if (visit.request.method.toUpperCase() !== 'POST') {
    const body = messagePage(page, 'methodTitle', 'methodText', backLink(page));
    return htmlResponse(405, body, { ...extras, headers: { allow: 'POST' } });
  }
  const form = new URLSearchParams(visit.request.body ?? '');
  if (!hasCsrfToken(visit, form))
    return htmlResponse(403, messagePage(page, 'csrfTitle', 'csrfText'), extras);
  const plan = planAction(action, {
    form,
    environments: settings.environments,
    request: visit.request,
    user: page.user,
  });
  if (!plan)
    return htmlResponse(400, messagePage(page, 'badActionTitle', 'badActionText', backLink(page)), extras);
  if (form.get('confirm') !== plan.confirm)
    return htmlResponse(200, confirmPage(page, action, plan, form), extras);
  if (!(await allowedByHook(settings.hooks, action, plan.details, settings)))
    return htmlResponse(403, messagePage(page, 'vetoedTitle', 'vetoedText', backLink(page)), extras);
  return done(routeperf, settings, visit, action, plan, form);
}

async function done(
  routeperf: Routeperf,
  settings: DashboardSettings,
  visit: Visit,
  action: DashboardAction,
  plan: ActionPlan,
  form: URLSearchParams,
): Promise<DashboardResponse> {
  let changed: number;
  try {
    changed = await plan.run(await internalsOf(routeperf).store.admin());
  } catch (error) {
    try {
      settings.logger.error(`dashboard: ${action} failed: ${messageOf(error)}`);
    } catch {
      // A broken logger must not turn an answer into a crash.
    }
    const failed = messagePage(visit.page, 'actionFailedTitle', 'actionFailedText', backLink(visit.page));
    return htmlResponse(503, failed, { cookies: visit.setCookies });
  }
  await tellAfterHook(settings, action, plan.details, { changed });
  const back = new URL(backTo(form.get('back'), settings.path), 'http://dashboard.invalid');
  back.searchParams.set('done', plan.done);
  back.searchParams.set('changed', String(changed));
  return redirect(`${back.pathname}${back.search}`, { cookies: visit.setCookies });
}
