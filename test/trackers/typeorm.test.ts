import type { Readable } from 'node:stream';
import { DataSource, type DataSourceOptions, QueryFailedError } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { trackTypeORM } from '../../src/trackers/typeorm/index.js';
import {
  describeWithService,
  dropTables,
  MYSQL_URL,
  POSTGRES_URL,
  uniquePrefix,
  unreachable,
} from '../support/databases.js';
import { concurrentAttribution, misattributed } from '../support/query-attribution.js';
import { type RecordedServer, signal, startRecordedServer } from '../support/recorded-requests.js';
import { createOrmSchema, type OrmSchema, POOL_SIZE, postgresUnreachable } from './support-orms-postgres.js';
import { AuthorEntity, ENTITIES, NapEntity } from './support-orms-typeorm.js';

describeWithService('routeperf/typeorm', 'postgres', postgresUnreachable, () => {
  let schema: OrmSchema;
  let runner: RecordedServer;
  /** Three DataSources on one schema: tracked, tracked without shapes, and untracked. */
  let dataSource: DataSource;
  let unshaped: DataSource;
  let untracked: DataSource;
  let authorId: number;

  const options = (): DataSourceOptions => ({
    type: 'postgres',
    url: POSTGRES_URL,
    schema: schema.name,
    entities: ENTITIES,
    poolSize: POOL_SIZE,
  });

  beforeAll(async () => {
    [schema, runner] = await Promise.all([createOrmSchema(), startRecordedServer()]);
    dataSource = trackTypeORM(new DataSource(options()));
    unshaped = trackTypeORM(new DataSource(options()), { recordShapes: false });
    untracked = new DataSource(options());
    await Promise.all([dataSource.initialize(), unshaped.initialize(), untracked.initialize()]);
    const author = await untracked.getRepository(AuthorEntity).save({ name: 'Ada' });
    await untracked.query(`insert into ${schema.name}.books (title, author_id) values ('Notes', $1)`, [
      author.id,
    ]);
    authorId = author.id;
  });

  afterAll(async () => {
    await Promise.all(
      [dataSource, unshaped, untracked]
        .filter((source) => source?.isInitialized)
        .map((source) => source.destroy()),
    );
    await runner?.close();
    await schema?.drop();
  });

  /** Sleeps `ms` in the database: through a repository (a nap's insert trigger sleeps) or raw SQL. */
  const sleep = (source: DataSource, ms: number, raw: boolean) =>
    raw ? source.query('select pg_sleep($1)', [ms / 1000]) : source.getRepository(NapEntity).insert({ ms });

  it('gives each of 100 concurrent requests exactly its own queries, through a pool of 10', async () => {
    const requests = await concurrentAttribution(async (count, delayMs) => {
      for (let i = 0; i < count; i++) await sleep(dataSource, delayMs, i % 2 === 1);
    });
    expect(misattributed(requests)).toEqual([]);
  });

  it('counts a statement run 4 times as one shape repeated 4 times', async () => {
    const findEach = (source: DataSource) => async () => {
      for (let i = 0; i < 4; i++) await source.getRepository(AuthorEntity).findOneBy({ id: authorId + i });
    };
    const { metrics } = await runner.settle(findEach(dataSource));
    expect(metrics).toMatchObject({ queryCount: 4, queryRepeat: 4 });
    expect(metrics.repeatedQuery).toMatch(
      /^SELECT .* FROM "rpt_\w+"\."authors" "Author" WHERE \(\("Author"\."id" = \?\)\) LIMIT \?$/,
    );

    const { metrics: counted } = await runner.settle(findEach(unshaped));
    expect(counted.queryCount).toBe(4);
    expect(counted.queryRepeat).toBeUndefined();
  });

  it('counts nothing outside a request, even while a request runs', async () => {
    const inside = signal();
    const outsideDone = signal();
    const request = runner.settle(async () => {
      await dataSource.query('select 1');
      inside.fire();
      await outsideDone.fired;
    });
    await inside.fired;
    await Promise.all([
      dataSource.query('select 1'),
      dataSource.getRepository(AuthorEntity).count(),
      sleep(dataSource, 1, false),
    ]);
    outsideDone.fire();
    expect((await request).metrics.queryCount).toBe(1);
  });

  it('counts a query that fails, and the app gets the error it would get untracked', async () => {
    const fail = (source: DataSource) => source.query('select missing_column');
    const expected = (await fail(untracked).catch((error: unknown) => error)) as QueryFailedError;
    const { metrics, error } = await runner.settle(() => fail(dataSource));
    expect(metrics.queryCount).toBe(1);
    expect(error).toBeInstanceOf(QueryFailedError);
    expect(error).toMatchObject({ message: expected.message, query: expected.query, code: '42703' });
  });

  it('returns what the untracked DataSource returns', async () => {
    const read = (source: DataSource) =>
      Promise.all([
        source.getRepository(AuthorEntity).find({ where: { id: authorId }, relations: { books: true } }),
        source.sql`select ${authorId}::int as id`,
        source
          .createQueryBuilder()
          .update(AuthorEntity)
          .set({ name: 'Ada' })
          .where({ id: authorId })
          .execute(),
      ]);
    const { value } = await runner.settle(() => read(dataSource));
    expect(value).toEqual(await read(untracked));
  });

  it.each<{ form: string; run: (source: DataSource) => Promise<unknown>; count: number; shape: RegExp }>([
    {
      form: 'a repository find with a relation',
      run: (source) => source.getRepository(AuthorEntity).find({ relations: { books: true } }),
      count: 1,
      shape:
        /^SELECT .* FROM "rpt_\w+"\."authors" "Author" LEFT JOIN "rpt_\w+"\."books" "Author__Author_books"/,
    },
    {
      form: 'a repository insert',
      run: (source) => source.getRepository(AuthorEntity).insert({ name: 'Grace' }),
      count: 1,
      shape: /^INSERT INTO "rpt_\w+"\."authors"\("name"\) VALUES \(\?\) RETURNING "id"$/,
    },
    {
      form: 'a repository save, in its own transaction',
      run: (source) => source.getRepository(AuthorEntity).save({ name: 'Grace' }),
      count: 3,
      shape: /^START TRANSACTION$/,
    },
    {
      form: 'an entity manager update',
      run: (source) => source.manager.update(AuthorEntity, { id: authorId }, { name: 'Ada' }),
      count: 1,
      shape: /^UPDATE "rpt_\w+"\."authors" SET "name" = \? WHERE "id" = \?$/,
    },
    {
      form: 'a query builder',
      run: (source) =>
        source
          .getRepository(AuthorEntity)
          .createQueryBuilder('a')
          .where('a.id = :id', { id: authorId })
          .getMany(),
      count: 1,
      shape: /^SELECT .* FROM "rpt_\w+"\."authors" "a" WHERE "a"\."id" = \?$/,
    },
    {
      form: 'dataSource.query',
      run: (source) => source.query('select $1::int as n', [1]),
      count: 1,
      shape: /^select \?::int as n$/,
    },
    {
      form: 'dataSource.sql',
      run: (source) => source.sql`select ${1}::int as n`,
      count: 1,
      shape: /^select \?::int as n$/,
    },
    {
      form: 'dataSource.transaction',
      run: (source) =>
        source.transaction(async (manager) => {
          await manager.getRepository(AuthorEntity).count();
          await manager.query('select 1');
        }),
      count: 4,
      shape: /^START TRANSACTION$/,
    },
    {
      form: "a query runner's own transaction, rolled back",
      run: async (source) => {
        const queryRunner = source.createQueryRunner();
        try {
          await queryRunner.startTransaction();
          await queryRunner.manager.getRepository(AuthorEntity).insert({ name: 'Rolled back' });
          await queryRunner.rollbackTransaction();
        } finally {
          await queryRunner.release();
        }
      },
      count: 3,
      shape: /^START TRANSACTION$/,
    },
  ])('counts $form, twice in a request', async ({ run, count, shape }) => {
    const { metrics, error } = await runner.settle(async () => {
      await run(dataSource);
      await run(dataSource);
    });
    expect(error).toBeUndefined();
    expect(metrics).toMatchObject({ queryCount: 2 * count, queryRepeat: 2 });
    expect(metrics.repeatedQuery).toMatch(shape);
  });

  it('never counts a query twice when the DataSource is tracked again', async () => {
    expect(trackTypeORM(trackTypeORM(dataSource))).toBe(dataSource);
    const { metrics } = await runner.settle(async () => {
      await dataSource.query('select 1');
      await dataSource.getRepository(AuthorEntity).count();
    });
    expect(metrics.queryCount).toBe(2);
  });
});

/** Streams need pg-query-stream on PostgreSQL, which routeperf does not install: they run on MariaDB. */
const mysqlUnreachable = await unreachable(new URL(MYSQL_URL).hostname, Number(new URL(MYSQL_URL).port));

describeWithService('routeperf/typeorm streams', 'mysql', mysqlUnreachable, () => {
  const prefix = uniquePrefix();
  let runner: RecordedServer;
  let dataSource: DataSource;

  beforeAll(async () => {
    runner = await startRecordedServer();
    dataSource = trackTypeORM(
      new DataSource({
        type: 'mysql',
        url: MYSQL_URL,
        entityPrefix: prefix,
        entities: ENTITIES,
        poolSize: 2,
      }),
    );
    await dataSource.initialize();
    await dataSource.query(
      `create table ${prefix}authors (id int auto_increment primary key, name text not null)`,
    );
    await dataSource.getRepository(AuthorEntity).insert([{ name: 'Ada' }, { name: 'Grace' }]);
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await runner?.close();
    await dropTables(MYSQL_URL, prefix);
  });

  /** Reads `stream` to its end; resolves to its rows, or to the error it emitted. */
  const readAll = async (stream: Readable) => {
    const rows: unknown[] = [];
    try {
      for await (const row of stream) rows.push(row);
      return rows;
    } catch (error) {
      return error;
    }
  };

  it("counts a query builder's stream as one query", async () => {
    const { metrics, value } = await runner.settle(async () =>
      readAll(await dataSource.getRepository(AuthorEntity).createQueryBuilder('a').orderBy('a.id').stream()),
    );
    expect(value).toHaveLength(2);
    expect(metrics.queryCount).toBe(1);
    expect(metrics.queryRepeat).toBe(1);
  });

  it("times a query runner's stream until its last row is read", async () => {
    const { metrics, value } = await runner.settle(async () => {
      const queryRunner = dataSource.createQueryRunner();
      try {
        return await readAll(await queryRunner.stream('select sleep(?) as slept', [0.02]));
      } finally {
        await queryRunner.release();
      }
    });
    expect(value).toEqual([{ slept: 0 }]);
    expect(metrics.queryCount).toBe(1);
    // The database slept 20 ms before the row came: a timer may fire up to a millisecond early.
    expect(metrics.queryTime).toBeGreaterThanOrEqual(19);
  });

  it('counts a stream that fails, and its error reaches the listener of the app', async () => {
    const { metrics, value } = await runner.settle(async () => {
      const queryRunner = dataSource.createQueryRunner();
      try {
        return await readAll(await queryRunner.stream('select missing_column'));
      } finally {
        await queryRunner.release();
      }
    });
    expect(value).toMatchObject({ code: 'ER_BAD_FIELD_ERROR' });
    expect(metrics.queryCount).toBe(1);
  });
});
