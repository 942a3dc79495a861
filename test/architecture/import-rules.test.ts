import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..');

/** One import that breaks a rule of docs/architecture.md: the file that makes it, and what it imports. */
const CANARIES: Record<string, [file: string, source: string]> = {
  'ground-floor-stands-alone': [
    'src/record/canary.ts',
    "import { Recorder } from '../core/recorder.js'; export const canary = Recorder;",
  ],
  'config-on-the-ground-floor-only': [
    'src/config/canary.ts',
    "import { Store } from '../store/store.js'; export const canary = Store;",
  ],
  'core-knows-no-store-transport-or-framework': [
    'src/core/canary.ts',
    "import { sql } from 'kysely'; export const canary = sql;",
  ],
  'store-on-the-ground-floor-only': [
    'src/store/canary.ts',
    "import { Producer } from '../bus/producer.js'; export const canary = Producer;",
  ],
  'bus-sees-the-store-through-its-sink': [
    'src/bus/canary.ts',
    "import { Store } from '../store/store.js'; export const canary = Store;",
  ],
  'database-queue-borrows-only-dialects': [
    'src/bus/transports/database/canary.ts',
    "import { Store } from '../../../store/store.js'; export const canary = Store;",
  ],
  'bus-above-config-below-the-root': [
    'src/bus/canary-root.ts',
    "import { createRouteperf } from '../routeperf.js'; export const canary = createRouteperf;",
  ],
  'transports-are-leaves': [
    'src/bus/transports/redis/canary.ts',
    "import { MemoryTransport } from '../memory/index.js'; export const canary = MemoryTransport;",
  ],
  'the-worker-and-producer-know-no-transport': [
    'src/bus/canary-worker.ts',
    "import { MemoryTransport } from './transports/memory/index.js'; export const canary = MemoryTransport;",
  ],
  'trackers-see-only-the-request-scope': [
    'src/trackers/pg/canary.ts',
    "import { Recorder } from '../../core/recorder.js'; export const canary = Recorder;",
  ],
  'trackers-are-leaves': [
    'src/trackers/knex/canary.ts',
    "import { trackPg } from '../pg/index.js'; export const canary = trackPg;",
  ],
  'root-below-adapters-and-cli': [
    'src/routeperf/canary.ts',
    "import * as imported from '../adapters/express.js'; export const canary = imported;",
  ],
  'adapters-use-the-root': [
    'src/adapters/canary.ts',
    "import { Store } from '../store/store.js'; export const canary = Store;",
  ],
  'dashboard-reads-through-the-handle': [
    'src/dashboard/canary.ts',
    "import { Store } from '../store/store.js'; export const canary = Store;",
  ],
  'nothing-below-imports-the-dashboard': [
    'src/core/canary-dashboard.ts',
    "import { dashboardOf } from '../dashboard/index.js'; export const canary = dashboardOf;",
  ],
  'prometheus-reads-through-the-handle': [
    'src/prometheus/canary.ts',
    "import { Store } from '../store/store.js'; export const canary = Store;",
  ],
  'alerts-read-through-the-handle': [
    'src/alerts/canary.ts',
    "import { Store } from '../store/store.js'; export const canary = Store;",
  ],
  'nothing-below-imports-alerts': [
    'src/dashboard/canary-alerts.ts',
    "import { AlertLoop } from '../alerts/loop.js'; export const canary = AlertLoop;",
  ],
  'opentelemetry-records-through-the-recorder': [
    'src/opentelemetry/canary.ts',
    "import { Store } from '../store/store.js'; export const canary = Store;",
  ],
  'cli-on-top': [
    'src/adapters/canary-cli.ts',
    "import * as imported from '../cli/exit.js'; export const canary = imported;",
  ],
  'demo-for-the-cli': [
    'src/adapters/canary-demo.ts',
    "import * as imported from '../demo/traffic.js'; export const canary = imported;",
  ],
  'index-is-the-entry': [
    'src/adapters/canary-index.ts',
    "import * as imported from '../index.js'; export const canary = imported;",
  ],
  'no-cycles': [
    'src/record/canary-cycle.ts',
    "import * as imported from './canary-cycle-b.js'; export const canary = imported;",
  ],
  'no-unresolvable': [
    'src/record/canary-missing.ts',
    "import * as imported from './no-such-file.js'; export const canary = imported;",
  ],
};

let copy: string;

beforeAll(async () => {
  copy = await mkdtemp(join(tmpdir(), 'routeperf-import-rules-'));
  for (const entry of ['src', '.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) {
    await cp(join(repo, entry), join(copy, entry), { recursive: true });
  }
  await symlink(join(repo, 'node_modules'), join(copy, 'node_modules'));
  for (const [file, source] of Object.values(CANARIES)) {
    await mkdir(dirname(join(copy, file)), { recursive: true });
    await writeFile(join(copy, file), `${source}\n`);
  }
  await writeFile(
    join(copy, 'src/record/canary-cycle-b.ts'),
    "import * as imported from './canary-cycle.js'; export const canary = imported;\n",
  );
});

afterAll(async () => {
  if (copy) await rm(copy, { recursive: true, force: true });
});

/** The rules dependency-cruiser reports for the tree at `cwd`, with the module that broke each. */
async function violations(cwd: string): Promise<{ rule: string; from: string }[]> {
  const cruise = run(
    join(repo, 'node_modules/.bin/depcruise'),
    ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
    { cwd, maxBuffer: 64 * 1024 * 1024 },
  );
  // It exits 1 when it finds violations; the report is on stdout either way.
  const { stdout } = await cruise.catch((error: { stdout: string }) => error);
  const report = JSON.parse(stdout) as {
    summary: { violations: { rule: { name: string }; from: string }[] };
  };
  return report.summary.violations.map(({ rule, from }) => ({ rule: rule.name, from }));
}

describe('the import rules of docs/architecture.md', () => {
  it('hold for the sources as they are', async () => {
    expect(await violations(repo)).toEqual([]);
  });

  it('catch each kind of forbidden import', async () => {
    const found = await violations(copy);
    for (const [rule, [file]] of Object.entries(CANARIES)) {
      // A cycle is reported from whichever of its files dependency-cruiser met first.
      const breakers = found.filter((violation) => violation.rule === rule).map(({ from }) => from);
      expect(breakers, rule).toContainEqual(expect.stringMatching(`^${file.replace(/\.ts$/, '')}`));
    }
  });
});
