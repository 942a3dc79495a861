import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(REPO, 'test/trackers/fixtures/orms');

export interface Author {
  id: number;
  name: string;
}

/** A model of the generated client, with the operations the tests run. */
interface Model<Row> {
  create(args: { data: Record<string, unknown> }): Promise<Row>;
  findMany(args?: Record<string, unknown>): Promise<Row[]>;
  findUnique(args: { where: Record<string, unknown> }): Promise<Row | null>;
  update(args: { where: Record<string, unknown>; data: Record<string, unknown> }): Promise<Row>;
  count(args?: Record<string, unknown>): Promise<number>;
}

/**
 * The parts of the generated Prisma Client that the tests use: the client is generated when the tests
 * run, so TypeScript cannot see its own types.
 */
export interface TestPrismaClient {
  author: Omit<Model<Author>, 'findUnique'> & {
    /** Its promise has the fluent API's relations too. */
    findUnique(args: { where: { id: number } }): Promise<Author | null> & { books(): Promise<unknown[]> };
  };
  book: Model<{ id: number; title: string; authorId: number }>;
  nap: Model<{ id: number; ms: number }>;
  $queryRaw<T = unknown>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T>;
  $executeRaw(strings: TemplateStringsArray, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(sql: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number>;
  $transaction<T>(
    work: (tx: TestPrismaClient) => Promise<T>,
    options?: { maxWait?: number; timeout?: number },
  ): Promise<T>;
  $transaction<T extends unknown[]>(operations: [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T>;
  $extends(extension: unknown): TestPrismaClient;
  $disconnect(): Promise<void>;
}

/** What the generated client module exports that the tests use. */
export interface GeneratedPrismaModule {
  PrismaClient: new (options: { adapter: unknown }) => TestPrismaClient;
  Prisma: {
    PrismaClientKnownRequestError: new (...args: never[]) => Error & { code: string };
    sql(strings: TemplateStringsArray, ...values: unknown[]): unknown;
  };
}

/**
 * Generates the Prisma Client of fixtures/orms/schema.prisma (generator `prisma-client`) into a temporary
 * folder and imports it. Generating needs no network: the CLI's update check is off (CHECKPOINT_DISABLE),
 * and PRISMA_SCHEMA_ENGINE_BINARY names a stand-in, as the CLI otherwise downloads a schema engine
 * before `generate`, which never runs it. The folder links the repository's node_modules, for the
 * client's imports of `@prisma/client`.
 */
export async function generatePrismaClient(): Promise<{ module: GeneratedPrismaModule; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'routeperf-prisma-'));
  try {
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    copyFileSync(join(FIXTURES, 'schema.prisma'), join(dir, 'schema.prisma'));
    await promisify(execFile)(
      process.execPath,
      [join(REPO, 'node_modules/prisma/build/index.js'), 'generate', '--schema', 'schema.prisma'],
      {
        cwd: dir,
        env: {
          ...process.env,
          CHECKPOINT_DISABLE: '1',
          PRISMA_SCHEMA_ENGINE_BINARY: join(FIXTURES, 'schema-engine-unavailable.sh'),
        },
      },
    );
    const module = (await import(join(dir, 'generated/client.ts'))) as GeneratedPrismaModule;
    return { module, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
