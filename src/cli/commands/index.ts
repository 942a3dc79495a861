import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { migrateCommand } from './migrate.js';
import { routesCommand } from './routes.js';

export const COMMANDS: readonly Command<any>[] = [migrateCommand, routesCommand, demoCommand];
