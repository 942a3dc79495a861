import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { StoreDialect } from '../dialects/index.js';
import * as initial from './0001_initial.js';
import * as asyncRecording from './0002_async_recording.js';
import * as ledgerSpeed from './0003_ledger_speed.js';
import * as correlationId from './0004_correlation_id.js';
import * as environments from './0005_environments.js';
import * as claimTokens from './0006_claim_tokens.js';
import * as queryRepeats from './0007_query_repeats.js';
import * as rollups from './0008_rollups.js';
import * as routeReviews from './0009_route_reviews.js';
import * as dashboardReads from './0010_dashboard_reads.js';
import * as quarterDays from './0011_quarter_days.js';
import * as alerts from './0012_alerts.js';
import type { MigrationContext } from './context.js';

/** A module of this folder: Kysely's `up`, told the dialect and the table prefix. */
interface SchemaChange {
  up(db: Kysely<any>, context: MigrationContext): Promise<void>;
}

/**
 * The schema, one migration per change, under the name databases record it by. Migrations only ever get
 * appended: a released one is never edited nor renamed, so `routeperf migrate` can upgrade any older
 * schema in place.
 */
const MIGRATIONS: Record<string, SchemaChange> = {
  '0001_initial': initial,
  '0002_async_recording': asyncRecording,
  '0003_ledger_speed': ledgerSpeed,
  '0004_correlation_id': correlationId,
  '0005_environments': environments,
  '0006_claim_tokens': claimTokens,
  '0007_query_repeats': queryRepeats,
  '0008_rollups': rollups,
  '0009_route_reviews': routeReviews,
  '0010_dashboard_reads': dashboardReads,
  '0011_quarter_days': quarterDays,
  '0012_alerts': alerts,
};

function migrations(dialect: StoreDialect, prefix: string): Record<string, Migration> {
  const context: MigrationContext = { dialect, name: (suffix) => `${prefix}${suffix}` };
  return Object.fromEntries(
    Object.entries(MIGRATIONS).map(([name, change]) => [name, { up: (db) => change.up(db, context) }]),
  );
}

/** Kysely's bookkeeping tables, under the same prefix as routeperf's own. */
export function migrationTables(prefix: string) {
  return { migrationTableName: `${prefix}migrations`, migrationLockTableName: `${prefix}migrations_lock` };
}

/**
 * Kysely's Migrator over routeperf's migrations. `db`'s introspector must look up only the bookkeeping
 * tables (see named-tables-introspector.ts): the Migrator asks it whether they exist.
 */
export function createMigrator(db: Kysely<any>, dialect: StoreDialect, prefix: string): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect, prefix) };
  return new Migrator({ db, provider, ...migrationTables(prefix) });
}
