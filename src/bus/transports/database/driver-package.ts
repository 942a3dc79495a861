import { dialectFor } from '../../../store/dialects/index.js';

const DRIVER_PACKAGE = { sqlite: 'better-sqlite3', postgres: 'pg', mysql: 'mysql2' } as const;

/** The npm package a queue in the database at `url` needs: the driver of its SQL dialect. */
export function driverPackage(url: string): string {
  return DRIVER_PACKAGE[dialectFor(url).name];
}
