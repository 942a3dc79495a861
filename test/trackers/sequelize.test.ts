import { ConnectionRefusedError, DatabaseError, QueryTypes, Sequelize } from 'sequelize';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { trackSequelize } from '../../src/trackers/sequelize/index.js';
import { describeWithService, POSTGRES_URL } from '../support/databases.js';
import { concurrentAttribution, misattributed } from '../support/query-attribution.js';
import { type RecordedServer, signal, startRecordedServer } from '../support/recorded-requests.js';
import { createOrmSchema, type OrmSchema, POOL_SIZE, postgresUnreachable } from './support-orms-postgres.js';
import { defineModels, type OrmModels } from './support-orms-sequelize.js';

/** A Sequelize instance of its own, with the test's models. */
interface Orm extends OrmModels {
  sequelize: Sequelize;
}

describeWithService('routeperf/sequelize', 'postgres', postgresUnreachable, () => {
  let schema: OrmSchema;
  let runner: RecordedServer;
  /** Three instances on one schema: tracked, tracked without shapes, and untracked. */
  let tracked: Orm;
  let unshaped: Orm;
  let untracked: Orm;
  let authorId: number;

  const orm = (sequelize: Sequelize): Orm => ({ sequelize, ...defineModels(sequelize, schema.name) });
  const connect = () => new Sequelize(POSTGRES_URL, { logging: false, pool: { max: POOL_SIZE } });

  beforeAll(async () => {
    [schema, runner] = await Promise.all([createOrmSchema(), startRecordedServer()]);
    tracked = orm(trackSequelize(connect()));
    unshaped = orm(trackSequelize(connect(), { recordShapes: false }));
    untracked = orm(connect());
    const author = await untracked.Author.create({ name: 'Ada' });
    authorId = author.get('id') as number;
    await untracked.Book.create({ title: 'Notes', author_id: authorId });
  });

  afterAll(async () => {
    await Promise.all([tracked, unshaped, untracked].filter(Boolean).map((each) => each.sequelize.close()));
    await runner?.close();
    await schema?.drop();
  });

  /** Sleeps `ms` in the database: through a model (a nap's insert trigger sleeps) or raw SQL. */
  const sleep = ({ sequelize, Nap }: Orm, ms: number, raw: boolean) =>
    raw ? sequelize.query('select pg_sleep($1)', { bind: [ms / 1000] }) : Nap.create({ ms });

  it('gives each of 100 concurrent requests exactly its own queries, through a pool of 10', async () => {
    const requests = await concurrentAttribution(async (count, delayMs) => {
      for (let i = 0; i < count; i++) await sleep(tracked, delayMs, i % 2 === 1);
    });
    expect(misattributed(requests)).toEqual([]);
  });

  it('counts a statement run 4 times as one shape repeated 4 times', async () => {
    const findEach =
      ({ Author }: Orm) =>
      async () => {
        for (let i = 0; i < 4; i++) await Author.findByPk(authorId + i);
      };
    const { metrics } = await runner.settle(findEach(tracked));
    expect(metrics).toMatchObject({ queryCount: 4, queryRepeat: 4 });
    expect(metrics.repeatedQuery).toMatch(
      /^SELECT "id", "name" FROM "rpt_\w+"\."authors" AS "Author" WHERE "Author"\."id" = \?;$/,
    );

    const { metrics: counted } = await runner.settle(findEach(unshaped));
    expect(counted.queryCount).toBe(4);
    expect(counted.queryRepeat).toBeUndefined();
  });

  it('counts nothing outside a request, even while a request runs', async () => {
    const inside = signal();
    const outsideDone = signal();
    const request = runner.settle(async () => {
      await tracked.sequelize.query('select 1');
      inside.fire();
      await outsideDone.fired;
    });
    await inside.fired;
    await Promise.all([
      tracked.sequelize.query('select 1'),
      tracked.Author.count(),
      sleep(tracked, 1, false),
    ]);
    outsideDone.fire();
    expect((await request).metrics.queryCount).toBe(1);
  });

  it('counts a query that fails, and the app gets the error it would get untracked', async () => {
    const fail = ({ sequelize }: Orm) => sequelize.query('select missing_column');
    const expected = (await fail(untracked).catch((error: unknown) => error)) as DatabaseError;
    const { metrics, error } = await runner.settle(() => fail(tracked));
    expect(metrics.queryCount).toBe(1);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ message: expected.message, sql: expected.sql });
  });

  it('counts a query that cannot get a connection', async () => {
    const unreachable = trackSequelize(
      new Sequelize('postgres://postgres@127.0.0.1:1/test', { logging: false }),
    );
    try {
      const { metrics, error } = await runner.settle(() => unreachable.query('select 1'));
      expect(error).toBeInstanceOf(ConnectionRefusedError);
      expect(metrics.queryCount).toBe(1);
    } finally {
      await unreachable.close();
    }
  });

  it('returns what the untracked instance returns', async () => {
    const read = ({ sequelize, Author, Book }: Orm) =>
      Promise.all([
        Author.findAll({ where: { id: authorId }, include: Book, raw: true, nest: true }),
        sequelize.query('select cast(:id as int) as id', {
          replacements: { id: authorId },
          type: QueryTypes.SELECT,
        }),
        Author.update({ name: 'Ada' }, { where: { id: authorId } }),
      ]);
    const { value } = await runner.settle(() => read(tracked));
    expect(value).toEqual(await read(untracked));
  });

  it.each<{ form: string; run: (orm: Orm) => Promise<unknown>; count: number; shape: RegExp }>([
    {
      form: 'findAll with an include',
      run: ({ Author, Book }) => Author.findAll({ include: Book }),
      count: 1,
      shape: /^SELECT .* FROM "rpt_\w+"\."authors" AS "Author" LEFT OUTER JOIN "rpt_\w+"\."books" AS "Books"/,
    },
    {
      form: 'create',
      run: ({ Author }) => Author.create({ name: 'Grace' }),
      count: 1,
      shape:
        /^INSERT INTO "rpt_\w+"\."authors" \("id","name"\) VALUES \(DEFAULT,\?\) RETURNING "id","name";$/,
    },
    {
      form: 'bulkCreate',
      run: ({ Author }) => Author.bulkCreate([{ name: 'Grace' }, { name: 'Hedy' }]),
      count: 1,
      shape:
        /^INSERT INTO "rpt_\w+"\."authors" \("id","name"\) VALUES \(DEFAULT,\?\),\(DEFAULT,\?\) RETURNING "id","name";$/,
    },
    {
      form: 'update',
      run: ({ Author }) => Author.update({ name: 'Ada' }, { where: { id: authorId } }),
      count: 1,
      shape: /^UPDATE "rpt_\w+"\."authors" SET "name"=\? WHERE "id" = \?$/,
    },
    {
      form: 'count',
      run: ({ Author }) => Author.count(),
      count: 1,
      shape: /^SELECT count\(\*\) AS "count" FROM "rpt_\w+"\."authors" AS "Author";$/,
    },
    {
      form: 'a query with named replacements',
      run: ({ sequelize }) => sequelize.query('select cast(:n as int) as n', { replacements: { n: 1 } }),
      count: 1,
      shape: /^select cast\(\? as int\) as n$/,
    },
    {
      form: 'a query with bound parameters',
      run: ({ sequelize }) => sequelize.query('select $1::int as n', { bind: [1] }),
      count: 1,
      shape: /^select \?::int as n$/,
    },
    {
      form: 'a query given as { query, values }',
      run: ({ sequelize }) => sequelize.query({ query: 'select cast(? as int) as n', values: [1] }),
      count: 1,
      shape: /^select cast\(\? as int\) as n$/,
    },
    {
      form: 'a managed transaction',
      run: ({ sequelize, Author }) =>
        sequelize.transaction(async (transaction) => {
          await Author.count({ transaction });
          await sequelize.query('select 1', { transaction });
        }),
      count: 4,
      shape: /^START TRANSACTION;$/,
    },
    {
      form: 'an unmanaged transaction, rolled back',
      run: async ({ sequelize, Author }) => {
        const transaction = await sequelize.transaction();
        await Author.create({ name: 'Rolled back' }, { transaction });
        await transaction.rollback();
      },
      count: 3,
      shape: /^START TRANSACTION;$/,
    },
  ])('counts $form, twice in a request', async ({ run, count, shape }) => {
    const { metrics, error } = await runner.settle(async () => {
      await run(tracked);
      await run(tracked);
    });
    expect(error).toBeUndefined();
    expect(metrics).toMatchObject({ queryCount: 2 * count, queryRepeat: 2 });
    expect(metrics.repeatedQuery).toMatch(shape);
  });

  it('never counts a query twice when the instance is tracked again', async () => {
    expect(trackSequelize(trackSequelize(tracked.sequelize))).toBe(tracked.sequelize);
    const { metrics } = await runner.settle(async () => {
      await tracked.sequelize.query('select 1');
      await tracked.Author.count();
    });
    expect(metrics.queryCount).toBe(2);
  });
});
