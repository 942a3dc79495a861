import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { routeperfPrisma, trackPrisma } from '../../src/trackers/prisma/index.js';
import { describeWithService, POSTGRES_URL } from '../support/databases.js';
import { concurrentAttribution, misattributed } from '../support/query-attribution.js';
import { type RecordedServer, signal, startRecordedServer } from '../support/recorded-requests.js';
import { createOrmSchema, type OrmSchema, POOL_SIZE, postgresUnreachable } from './support-orms-postgres.js';
import {
  type GeneratedPrismaModule,
  generatePrismaClient,
  type TestPrismaClient,
} from './support-orms-prisma.js';

describeWithService('routeperf/prisma', 'postgres', postgresUnreachable, () => {
  let schema: OrmSchema;
  let generated: { module: GeneratedPrismaModule; remove(): void };
  let runner: RecordedServer;
  /** The client without routeperf: what the app would get untracked. */
  let untracked: TestPrismaClient;
  let prisma: TestPrismaClient;
  let authorId: number;

  beforeAll(async () => {
    [schema, generated, runner] = await Promise.all([
      createOrmSchema(),
      generatePrismaClient(),
      startRecordedServer(),
    ]);
    const adapter = new PrismaPg({ connectionString: POSTGRES_URL, max: POOL_SIZE }, { schema: schema.name });
    untracked = new generated.module.PrismaClient({ adapter });
    prisma = trackPrisma(untracked);
    authorId = (
      await untracked.author.create({ data: { name: 'Ada', books: { create: [{ title: 'Notes' }] } } })
    ).id;
  });

  afterAll(async () => {
    await untracked?.$disconnect();
    await runner?.close();
    await schema?.drop();
    generated?.remove();
  });

  /** Sleeps `ms` in the database: a model operation (a nap's insert trigger sleeps) or raw SQL. */
  const sleep = (client: TestPrismaClient, ms: number, raw: boolean) =>
    raw ? client.$executeRaw`select pg_sleep(${ms / 1000})` : client.nap.create({ data: { ms } });

  it('gives each of 100 concurrent requests exactly its own operations, through a pool of 10', async () => {
    const requests = await concurrentAttribution(async (count, delayMs, index) => {
      const run = async (client: TestPrismaClient) => {
        for (let i = 0; i < count; i++) await sleep(client, delayMs, i % 2 === 1);
      };
      // Every third request runs in an interactive transaction, whose callback Prisma calls itself. The
      // transaction may wait for one of the pool's connections as long as the test runs.
      if (index % 3 === 0) await prisma.$transaction(run, { maxWait: 300_000, timeout: 300_000 });
      else await run(prisma);
    });
    expect(misattributed(requests)).toEqual([]);
  });

  it.each([
    {
      form: 'a model operation',
      run: (client: TestPrismaClient, i: number) => client.author.findUnique({ where: { id: authorId + i } }),
      shape: 'Author.findUnique',
    },
    {
      form: '$queryRaw',
      run: (client: TestPrismaClient, i: number) => client.$queryRaw`select ${i}::int as n`,
      shape: 'select ?::int as n',
    },
  ])('counts $form run 4 times as one shape repeated 4 times', async ({ run, shape }) => {
    const { metrics } = await runner.settle(async () => {
      for (let i = 0; i < 4; i++) await run(prisma, i);
    });
    expect(metrics).toMatchObject({ queryCount: 4, queryRepeat: 4, repeatedQuery: shape });

    const unshaped = trackPrisma(untracked, { recordShapes: false });
    const { metrics: counted } = await runner.settle(async () => {
      for (let i = 0; i < 4; i++) await run(unshaped, i);
    });
    expect(counted.queryCount).toBe(4);
    expect(counted.queryRepeat).toBeUndefined();
  });

  it('counts nothing outside a request, even while a request runs', async () => {
    const inside = signal();
    const outsideDone = signal();
    const request = runner.settle(async () => {
      await prisma.author.count();
      inside.fire();
      await outsideDone.fired;
    });
    await inside.fired;
    await Promise.all([prisma.author.count(), prisma.$queryRaw`select 1 as one`, sleep(prisma, 1, false)]);
    outsideDone.fire();
    expect((await request).metrics.queryCount).toBe(1);
  });

  it.each([
    { form: 'raw SQL', run: (client: TestPrismaClient) => client.$queryRawUnsafe('select missing_column') },
    {
      form: 'a model operation',
      run: (client: TestPrismaClient) => client.book.create({ data: { title: 'Orphan', authorId: -1 } }),
    },
  ])('counts $form that fails, and the app gets the error it would get untracked', async ({ run }) => {
    const expected = await run(untracked).catch((error: unknown) => error);
    const { metrics, error } = await runner.settle(() => run(prisma));
    expect(metrics.queryCount).toBe(1);
    expect(error).toBeInstanceOf(generated.module.Prisma.PrismaClientKnownRequestError);
    expect(error).toMatchObject({
      code: (expected as { code: string }).code,
      message: (expected as Error).message,
    });
  });

  it('returns what the untracked client returns', async () => {
    const read = (client: TestPrismaClient) =>
      Promise.all([
        client.author.findMany({ where: { id: authorId }, include: { books: true } }),
        client.$queryRaw`select ${authorId}::int as id`,
        client.$executeRawUnsafe(`update ${schema.name}.authors set name = name where id = $1`, authorId),
      ]);
    const { value } = await runner.settle(() => read(prisma));
    expect(value).toEqual(await read(untracked));
  });

  it.each<{
    form: string;
    run: (client: TestPrismaClient) => Promise<unknown>;
    count: number;
    shape: string;
  }>([
    {
      form: 'create with a nested create',
      run: (client) =>
        client.author.create({ data: { name: 'Grace', books: { create: [{ title: 'Cobol' }] } } }),
      count: 1,
      shape: 'Author.create',
    },
    {
      form: 'findMany with an include',
      run: (client) => client.author.findMany({ include: { books: true } }),
      count: 1,
      shape: 'Author.findMany',
    },
    {
      form: 'update',
      run: (client) => client.author.update({ where: { id: authorId }, data: { name: 'Ada' } }),
      count: 1,
      shape: 'Author.update',
    },
    {
      form: 'the fluent API',
      run: (client) => client.author.findUnique({ where: { id: authorId } }).books(),
      count: 1,
      shape: 'Author.findUnique',
    },
    {
      form: '$executeRaw',
      run: (client) => client.$executeRaw`select pg_sleep(${0})`,
      count: 1,
      shape: 'select pg_sleep(?)',
    },
    {
      form: '$queryRaw with Prisma.sql',
      run: (client) => client.$queryRaw(generated.module.Prisma.sql`select ${1}::int as n` as never),
      count: 1,
      shape: 'select ?::int as n',
    },
    {
      form: '$queryRawUnsafe',
      run: (client) => client.$queryRawUnsafe('select $1::int as n', 7),
      count: 1,
      shape: 'select ?::int as n',
    },
    {
      form: '$executeRawUnsafe',
      run: (client) => client.$executeRawUnsafe('select pg_sleep($1)', 0),
      count: 1,
      shape: 'select pg_sleep(?)',
    },
    {
      form: 'a batch transaction',
      run: (client) => client.$transaction([client.author.count(), client.book.count()]),
      count: 2,
      shape: 'Author.count',
    },
    {
      form: 'an interactive transaction',
      run: (client) =>
        client.$transaction(async (tx) => {
          await tx.author.count();
          await tx.book.count();
          return tx.$queryRaw`select ${2}::int as n`;
        }),
      count: 3,
      shape: 'Author.count',
    },
  ])('counts $form, twice in a request', async ({ run, count, shape }) => {
    const { metrics, error } = await runner.settle(async () => {
      await run(prisma);
      await run(prisma);
    });
    expect(error).toBeUndefined();
    expect(metrics).toMatchObject({ queryCount: 2 * count, queryRepeat: 2, repeatedQuery: shape });
  });

  it('never counts an operation twice, however often the client is tracked', async () => {
    const clients = [
      trackPrisma(trackPrisma(untracked)),
      untracked.$extends(routeperfPrisma()).$extends(routeperfPrisma()),
      trackPrisma(
        prisma.$extends({ name: 'app', query: { $allOperations: ({ args, query }: any) => query(args) } }),
      ),
    ];
    for (const client of clients) {
      const { metrics } = await runner.settle(async () => {
        await client.author.count();
        await client.$transaction([client.author.count()]);
        await client.$transaction(async (tx) => tx.$queryRaw`select 1 as one`);
      });
      expect(metrics.queryCount).toBe(3);
    }
  });
});
