import type { Command } from '../command.js';
import { alertsCheckCommand, alertsListCommand } from './alerts.js';
import { checkDepsCommand } from './check-deps.js';
import { consumeCommand } from './consume.js';
import { dashboardCommand } from './dashboard.js';
import { demoCommand } from './demo.js';
import { diagnoseCommand } from './diagnose.js';
import { exportCommand } from './export.js';
import { failedListCommand } from './failed-list.js';
import { failedRemoveCommand } from './failed-remove.js';
import { failedRetryCommand } from './failed-retry.js';
import { failedShowCommand } from './failed-show.js';
import { migrateCommand } from './migrate.js';
import { purgeCommand } from './purge.js';
import { rebuildCommand } from './rebuild.js';
import { rollupCommand } from './rollup.js';
import { routesCommand } from './routes.js';
import { routesRenameCommand, routesSetCommand } from './routes-change.js';
import { routesClearCommand, routesDeleteCommand } from './routes-delete.js';
import { serveMetricsCommand } from './serve-metrics.js';
import { stopWorkersCommand } from './stop-workers.js';

export const COMMANDS: readonly Command<any>[] = [
  migrateCommand,
  routesCommand,
  routesDeleteCommand,
  routesClearCommand,
  routesSetCommand,
  routesRenameCommand,
  rollupCommand,
  rebuildCommand,
  purgeCommand,
  dashboardCommand,
  serveMetricsCommand,
  exportCommand,
  consumeCommand,
  stopWorkersCommand,
  alertsCheckCommand,
  alertsListCommand,
  failedListCommand,
  failedShowCommand,
  failedRetryCommand,
  failedRemoveCommand,
  diagnoseCommand,
  checkDepsCommand,
  demoCommand,
];
