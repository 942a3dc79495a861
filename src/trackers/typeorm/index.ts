import { errorMonitor } from 'node:events';
import { endQuery, type StartedQuery, startQuery, trackQuery } from '../../core/scope.js';
import { shapeSource, type TrackerOptions } from '../tracker.js';

/** The parts of a TypeORM query runner that run SQL: every query of a DataSource goes through one. */
interface QueryRunner {
  query(sql: string, ...rest: any[]): Promise<unknown>;
  stream?(sql: string, ...rest: any[]): Promise<unknown>;
}

/** The subset of a TypeORM `DataSource` that `trackTypeORM` uses. */
export interface TypeORMDataSource {
  readonly driver: { createQueryRunner(...args: any[]): unknown };
}

const trackedDrivers = new WeakSet<object>();

/**
 * Counts every SQL query of `dataSource` against the request that runs it, and returns `dataSource`:
 * `const dataSource = trackTypeORM(new DataSource({ ... }))`. Repositories, entity managers, query
 * builders (`stream()` too), `dataSource.query`, `dataSource.sql` and transactions all run their SQL
 * through query runners that the DataSource's driver creates; each runner it creates from then on has
 * its `query` and `stream` counted and timed, with the SQL's shape. Statements TypeORM sends itself
 * count too: `START TRANSACTION`, `COMMIT`, `ROLLBACK`, savepoints. Call it before the first query, at
 * start-up; calling it again changes nothing.
 */
export function trackTypeORM<Source extends TypeORMDataSource>(
  dataSource: Source,
  options?: TrackerOptions,
): Source {
  const driver = dataSource?.driver;
  if (typeof driver?.createQueryRunner !== 'function' || trackedDrivers.has(driver)) return dataSource;
  trackedDrivers.add(driver);
  const createQueryRunner = driver.createQueryRunner;
  driver.createQueryRunner = function createTrackedQueryRunner(this: unknown, ...args: unknown[]) {
    const runner = createQueryRunner.apply(this, args);
    if (isQueryRunner(runner)) trackRunner(runner, options);
    return runner;
  };
  return dataSource;
}

function isQueryRunner(value: unknown): value is QueryRunner {
  return typeof value === 'object' && value !== null && typeof (value as QueryRunner).query === 'function';
}

function trackRunner(runner: QueryRunner, options: TrackerOptions | undefined): void {
  const query = runner.query;
  runner.query = function trackedQuery(this: unknown, sql: string, ...rest: unknown[]) {
    return trackQuery(() => query.call(this, sql, ...rest), shapeSource(options, textOf(sql)));
  };
  const stream = runner.stream;
  if (typeof stream !== 'function') return;
  runner.stream = function trackedStream(this: unknown, sql: string, ...rest: unknown[]) {
    const started = startQuery(shapeSource(options, textOf(sql)));
    if (!started) return stream.call(this, sql, ...rest);
    let opening: Promise<unknown>;
    try {
      opening = stream.call(this, sql, ...rest);
    } catch (error) {
      endQuery(started);
      throw error;
    }
    return opening.then(
      (readable) => {
        endWhenRead(readable, started);
        return readable;
      },
      (error: unknown) => {
        endQuery(started);
        throw error;
      },
    );
  };
}

function textOf(sql: unknown): string | undefined {
  return typeof sql === 'string' ? sql : undefined;
}

/**
 * Ends a stream's query once its rows are all read, it fails or it is destroyed. The error is watched
 * through `errorMonitor`, which leaves an error without listener to fail as it would untracked.
 */
function endWhenRead(readable: unknown, started: StartedQuery): void {
  const events = readable as { once?: (event: string | symbol, listener: () => void) => unknown };
  if (typeof events?.once !== 'function') {
    endQuery(started);
    return;
  }
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    endQuery(started);
  };
  for (const event of ['end', 'close', errorMonitor]) events.once(event, end);
}
