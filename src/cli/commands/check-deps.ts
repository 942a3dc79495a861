import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineCommand } from '../command.js';
import { type Column, renderTable } from '../format.js';
import { oneOf } from '../values.js';

/** The optional peer packages: routeperf imports each only where it is needed. */
const OPTIONAL_PACKAGES = [
  { name: 'fastify', usedFor: 'the routeperf/fastify adapter' },
  { name: 'express', usedFor: 'the routeperf/express adapter' },
  { name: 'pg', usedFor: 'PostgreSQL: postgres:// databases and queues' },
  { name: 'mysql2', usedFor: 'MySQL and MariaDB: mysql:// databases and queues' },
  { name: 'ioredis', usedFor: 'the Redis Streams transport (redis://)' },
  { name: 'amqplib', usedFor: 'the RabbitMQ transport (amqp://)' },
  { name: 'nodemailer', usedFor: 'alerts by email (SMTP)' },
] as const;

interface PackageStatus {
  name: string;
  usedFor: string;
  /** The installed version, or null when the package cannot be found. */
  version: string | null;
  /** What installs it, when it is missing. */
  install: string | null;
}

const COLUMNS: Column<PackageStatus>[] = [
  { header: 'PACKAGE', align: 'left', cell: (status) => status.name },
  { header: 'INSTALLED', align: 'left', cell: (status) => status.version ?? 'no' },
  { header: 'USED FOR', align: 'left', cell: (status) => status.usedFor },
];

export const checkDepsCommand = defineCommand({
  name: 'check-deps',
  summary: 'Show which optional packages are installed, and how to install the others',
  details:
    'Packages are looked up from where routeperf is installed, as routeperf itself imports them.\nInstall only those your app uses; nothing else is needed.',
  options: {
    format: { type: 'string', value: '<table|json>', description: 'Output format (default: table)' },
  },
  examples: ['routeperf check-deps', 'routeperf check-deps --format json'],
  exitCodes: 'Exit codes: 0 reported (missing packages included), 2 wrong arguments.',
  async run(values) {
    const format = oneOf('format', values.format, ['table', 'json'] as const) ?? 'table';
    const statuses = OPTIONAL_PACKAGES.map(({ name, usedFor }): PackageStatus => {
      const version = installedVersion(name);
      return { name, usedFor, version, install: version === null ? `npm install ${name}` : null };
    });
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
      return;
    }
    const missing = statuses.filter((status) => status.install !== null);
    process.stdout.write(
      `${[
        'Optional packages (routeperf loads each only when your app or configuration needs it):',
        '',
        renderTable(COLUMNS, statuses),
        '',
        ...(missing.length
          ? ['To install a missing one:', ...installLines(missing)]
          : ['Every optional package is installed.']),
      ].join('\n')}\n`,
    );
  },
});

/** `npm install pg       # PostgreSQL: …`, comments aligned. */
function installLines(missing: readonly PackageStatus[]): string[] {
  const width = Math.max(...missing.map((status) => status.install!.length));
  return missing.map((status) => `  ${status.install!.padEnd(width)}  # ${status.usedFor}`);
}

/** The version of the package `name` as routeperf would import it, or null when it is not installed. */
function installedVersion(name: string): string | null {
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(name));
  } catch {
    return null;
  }
  // The package's own package.json is the nearest one above its entry point that bears its name.
  for (let folder = dirname(entry); folder !== dirname(folder); folder = dirname(folder)) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
      if (manifest.name === name) return String(manifest.version);
    } catch {
      // No package.json here (or an unreadable one): keep climbing.
    }
  }
  return 'unknown version';
}
