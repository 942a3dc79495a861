/**
 * The dashboard's pages by path: each reads its parameters from the visit, its data through the handle,
 * and renders. The handler (handler.ts) has already let the request in; it turns a read that fails into
 * the 503 page (the diagnose page excepted: what does not answer is what it reports).
 */
import { diagnoseRouteperf } from '../routeperf/diagnosis/index.js';
import type { Routeperf } from '../routeperf.js';
import { readOverview, readRoutesPage } from './data.js';
import { readAccessStatistics, readRecordsPage, readRouteDetail, readStatistics } from './page-data.js';
import { recordsParams, routeParams } from './page-params.js';
import { accessPage } from './pages/access.js';
import { diagnosePage } from './pages/diagnose.js';
import { overviewPage } from './pages/overview.js';
import { recordsOffPage, recordsPage } from './pages/records.js';
import { noRoutePage, routePage } from './pages/route.js';
import { routesPage } from './pages/routes.js';
import { statisticsPage } from './pages/statistics.js';
import { routesParams, viewParams } from './params.js';
import type { DashboardSettings, Visit } from './visit.js';

export interface PageInput {
  routeperf: Routeperf;
  settings: DashboardSettings;
  visit: Visit;
}

type PageRenderer = (input: PageInput) => Promise<string>;

const overview: PageRenderer = async ({ routeperf, settings, visit }) => {
  const view = viewParams(visit.query, settings.environments);
  return overviewPage(visit.page, view, await readOverview(routeperf, view));
};

const routes: PageRenderer = async ({ routeperf, settings, visit }) => {
  const params = routesParams(visit.query, settings.environments);
  return routesPage(visit.page, params, await readRoutesPage(routeperf, params));
};

const route: PageRenderer = async ({ routeperf, settings, visit }) => {
  const params = routeParams(visit.query, settings.environments);
  const { method, route: name } = params;
  if (method === undefined || name === undefined) return noRoutePage(visit.page, params);
  const one = { ...params, method, route: name };
  return routePage(visit.page, one, await readRouteDetail(routeperf, one, settings.accessRecords));
};

const statistics: PageRenderer = async ({ routeperf, settings, visit }) => {
  const view = viewParams(visit.query, settings.environments);
  return statisticsPage(visit.page, view, await readStatistics(routeperf, view, settings.maxRoutes));
};

const access: PageRenderer = async ({ routeperf, settings, visit }) => {
  const params = routeParams(visit.query, settings.environments);
  return accessPage(visit.page, params, await readAccessStatistics(routeperf, params));
};

const records: PageRenderer = async ({ routeperf, settings, visit }) => {
  if (!settings.accessRecords) return recordsOffPage(visit.page);
  const params = recordsParams(visit.query, settings.environments);
  return recordsPage(visit.page, params, await readRecordsPage(routeperf, params));
};

// The checks of `routeperf diagnose`, run by this app. A database, transport or failure store that does
// not answer is one of the problems the page lists, never a reason for the 503 page.
const diagnose: PageRenderer = async ({ routeperf, visit }) =>
  diagnosePage(visit.page, { config: routeperf.config, diagnosis: await diagnoseRouteperf(routeperf) });

const PAGES: Readonly<Record<string, PageRenderer>> = {
  '': overview,
  '/': overview,
  '/routes': routes,
  '/route': route,
  '/statistics': statistics,
  '/access': access,
  '/records': records,
  '/diagnose': diagnose,
};

/** The page at `path` (under the mount path), if there is one. */
export function pageAt(path: string): PageRenderer | undefined {
  return Object.hasOwn(PAGES, path) ? PAGES[path] : undefined;
}
