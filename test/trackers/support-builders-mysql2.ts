import diagnosticsChannel from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import type mysql from 'mysql2';

const require = createRequire(import.meta.url);

/** The shape of `select sleep(?)`, as `execute` sends it and as `query` sends it with its value inlined. */
export const SLEEP_SHAPE = 'select sleep(?)';

type Run = (count: number, delayMs: number) => Promise<void>;

/** Runs `step` `count` times, each run started from the callback that ends the one before. */
function chained(count: number, step: (next: (error?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const run = (left: number) => {
      if (left === 0) return resolve();
      step((error) => (error ? reject(error) : run(left - 1)));
    };
    run(count);
  });
}

function connectionOf(pool: mysql.Pool): Promise<mysql.PoolConnection> {
  return new Promise((resolve, reject) =>
    pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
  );
}

/**
 * Every way mysql2 runs a query, each as `run(count, delayMs)`: `count` queries one after the other, each
 * sleeping `delayMs` in MariaDB, through the pool `poolOf()` gives (read when a form runs).
 */
export function mysqlForms(poolOf: () => mysql.Pool): { name: string; run: Run }[] {
  const sleep = (delayMs: number) => [delayMs / 1000];
  return [
    {
      name: 'promise pool query',
      run: async (count, delayMs) => {
        for (let i = 0; i < count; i++) await poolOf().promise().query('select sleep(?)', sleep(delayMs));
      },
    },
    {
      name: 'promise pool execute',
      run: async (count, delayMs) => {
        for (let i = 0; i < count; i++) await poolOf().promise().execute('select sleep(?)', sleep(delayMs));
      },
    },
    {
      name: 'callback pool query, each from the callback of the one before',
      run: (count, delayMs) =>
        chained(count, (next) => poolOf().query('select sleep(?)', sleep(delayMs), (error) => next(error))),
    },
    {
      name: 'callback pool execute, each from the callback of the one before',
      run: (count, delayMs) =>
        chained(count, (next) => poolOf().execute('select sleep(?)', sleep(delayMs), (error) => next(error))),
    },
    {
      name: "pool query as events, each from the 'end' of the one before",
      run: (count, delayMs) =>
        chained(count, (next) =>
          poolOf()
            .query('select sleep(?)', sleep(delayMs))
            .on('error', next)
            .on('end', () => next()),
        ),
    },
    {
      name: 'pool query as a stream',
      run: async (count, delayMs) => {
        for (let i = 0; i < count; i++)
          for await (const _ of poolOf().query('select sleep(?)', sleep(delayMs)).stream());
      },
    },
    {
      name: 'callback pool connection, each query from the callback of the one before',
      run: async (count, delayMs) => {
        const connection = await connectionOf(poolOf());
        try {
          await chained(count, (next) =>
            connection.query('select sleep(?)', sleep(delayMs), (error) => next(error)),
          );
        } finally {
          connection.release();
        }
      },
    },
    {
      name: 'promise pool connection',
      run: async (count, delayMs) => {
        const connection = await poolOf().promise().getConnection();
        try {
          for (let i = 0; i < count; i++) await connection.execute('select sleep(?)', sleep(delayMs));
        } finally {
          connection.release();
        }
      },
    },
  ];
}

/**
 * A second copy of mysql2 that publishes nothing on its tracing channels, as mysql2 before 3.20 does: it
 * is loaded while `diagnostics_channel.tracingChannel` is hidden, which mysql2 takes for a runtime without
 * tracing channels. The copy loaded already stays what `mysql2` resolves to.
 */
export function loadMysql2WithoutChannels(): typeof mysql {
  const root = dirname(require.resolve('mysql2/package.json')) + sep;
  const loaded = Object.entries(require.cache).filter(([file]) => file.startsWith(root));
  for (const [file] of loaded) delete require.cache[file];
  const tracingChannel = Object.getOwnPropertyDescriptor(diagnosticsChannel, 'tracingChannel')!;
  Object.defineProperty(diagnosticsChannel, 'tracingChannel', { ...tracingChannel, value: undefined });
  try {
    return require('mysql2');
  } finally {
    Object.defineProperty(diagnosticsChannel, 'tracingChannel', tracingChannel);
    for (const [file, module] of loaded) require.cache[file] = module;
  }
}
