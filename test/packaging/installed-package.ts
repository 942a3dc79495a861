/**
 * routeperf the way a user gets it: `npm pack`, then the tarball installed into an app folder of its own
 * next to the packages the test names. Tests then run apps and the `routeperf` bin from that folder;
 * nothing in it can import the repository's sources, only the installed package, its exports map and its bin.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const repoPackage = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
/** The repository's TypeScript compiler, so that type checks need no install of their own. */
const tsc = join(repo, 'node_modules', '.bin', 'tsc');
const execFileAsync = promisify(execFile);

/** What a user's shell would have: no npm lifecycle variables of the outer `npm test`, no routeperf settings. */
export const userEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^(npm_|routeperf_)/i.test(key) && !['NODE_ENV', 'NODE_OPTIONS', 'VITEST'].includes(key),
  ),
);

export interface RunOptions {
  timeout?: number;
  /** Added to `userEnv`. */
  env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion; a failure carries the command's output. */
export async function run(command: string, args: string[], cwd: string, options: RunOptions = {}) {
  try {
    return await execFileAsync(command, args, {
      cwd,
      env: { ...userEnv, ...options.env },
      timeout: options.timeout ?? 120_000,
      maxBuffer: 32 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}\n${stderr ?? ''}\n${stdout ?? ''}`, {
      cause: error,
    });
  }
}

export interface InstalledPackage {
  /** The app folder: an ESM package.json and node_modules with routeperf and the packages asked for. */
  readonly app: string;
  /** The file name `npm pack` gave the tarball. */
  readonly tarball: string;
  /** The paths inside the tarball, as `npm pack` lists them. */
  readonly files: string[];
  /** Deletes the temporary folder with the tarball and the app. */
  remove(): void;
}

/**
 * Packs routeperf and installs it into a new app folder with `packages`, each at the version range the
 * repository's devDependencies give it (so the install is served from npm's cache).
 */
export async function installPackedRouteperf(packages: readonly string[]): Promise<InstalledPackage> {
  const work = mkdtempSync(join(tmpdir(), 'routeperf-package-'));
  try {
    const app = join(work, 'app');
    mkdirSync(app);
    const { tarball, files } = await pack(work);
    writeFileSync(
      join(app, 'package.json'),
      // The repository's overrides of the packages installed settle the same peer conflicts (typeorm's
      // optional ioredis 5 beside ioredis 6) as they do in its own install.
      JSON.stringify(
        {
          name: 'routeperf-user-app',
          private: true,
          type: 'module',
          overrides: Object.fromEntries(
            Object.entries(repoPackage.overrides ?? {}).filter(([name]) => packages.includes(name)),
          ),
        },
        null,
        2,
      ),
    );
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        tarball,
        ...packages.map(atRepoVersion),
      ],
      app,
      { timeout: 300_000 },
    );
    await installNativeSqlite(app);
    return {
      app,
      tarball: basename(tarball),
      files,
      remove: () => rmSync(work, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

function atRepoVersion(name: string): string {
  const range = (repoPackage.devDependencies as Record<string, string>)[name];
  if (!range) throw new Error(`${name} is not a devDependency of the repository: add it there first`);
  return `${name}@${range}`;
}

/**
 * Packs a copy of the repository, not the repository itself: `prepack` runs `rm -rf dist && tsc`, which
 * would pull `dist/` away from other test files running at the same time. The copy also proves that the
 * tarball builds from the sources alone, with no stale `dist/` in it.
 */
async function pack(work: string): Promise<{ tarball: string; files: string[] }> {
  const source = join(work, 'source');
  const skipped = new Set(['node_modules', '.git', 'dist', 'var', 'coverage']);
  // Asynchronous: this test worker must keep answering the test runner while the tree is copied.
  await cp(repo, source, {
    recursive: true,
    filter: (path) => !(skipped.has(relative(repo, path).split(sep)[0]!) || path.endsWith('.tgz')),
  });
  symlinkSync(join(repo, 'node_modules'), join(source, 'node_modules'), 'dir');
  // The build inside can take minutes on a loaded machine.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], source, {
    timeout: 600_000,
  });
  // Lifecycle output may precede the JSON report on stdout.
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1 || 0));
  return {
    tarball: join(work, report.filename),
    files: report.files.map((file: { path: string }) => file.path),
  };
}

/**
 * better-sqlite3 is a native module. No prebuilt binary can be downloaded here and compiling it takes
 * over a minute on a small machine (measured: 65 s of a 67 s install on 2 cores). So the install runs
 * with `--ignore-scripts` — routeperf, fastify and express have no install scripts of their own — and
 * better-sqlite3's one step, producing `build/Release/better_sqlite3.node`, is replaced by a copy of the
 * binary the repository compiled from the same better-sqlite3 version for the same node. Every other file
 * is the one npm installed. When the versions differ, or with ROUTEPERF_PACKAGING_NATIVE_BUILD=1, it is
 * compiled for real with `npm rebuild`.
 */
async function installNativeSqlite(app: string) {
  const installed = createRequire(join(app, 'node_modules', 'routeperf', 'package.json'));
  const target = join(installed.resolve('better-sqlite3/package.json'), '..');
  const source = join(createRequire(join(repo, 'package.json')).resolve('better-sqlite3/package.json'), '..');
  const version = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  if (version(target) !== version(source) || process.env.ROUTEPERF_PACKAGING_NATIVE_BUILD === '1') {
    await run('npm', ['rebuild', 'better-sqlite3', '--no-audit', '--no-fund'], app, { timeout: 600_000 });
    return;
  }
  const binary = join('build', 'Release', 'better_sqlite3.node');
  mkdirSync(join(target, 'build', 'Release'), { recursive: true });
  cpSync(join(source, binary), join(target, binary));
}

/**
 * Checks the app's TypeScript files matching `include` as a user's strict ESM project would (NodeNext),
 * with the repository's tsc; with `emit`, writes each file's JavaScript next to it. Fails with tsc's errors.
 */
export function compileTypeScript(app: string, include: string[], emit: boolean) {
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        // As `nest new` sets up a NestJS app, whose docs examples use its decorators.
        experimentalDecorators: true,
        // As most apps: with Express 5 and Koa side by side, npm hoists a `content-disposition` whose own
        // types lack what `@types/koa` imports from it.
        skipLibCheck: true,
        noEmit: !emit,
        types: ['node'],
      },
      include,
    }),
  );
  return run(tsc, ['-p', 'tsconfig.json'], app);
}
