import { describe, expect, it } from 'vitest';
import { failureMessage } from '../../src/cli/exit.js';
import { dsnsOf, redactDsn, redactSecretsIn, withoutSecrets } from '../../src/dsn.js';
import { RouteperfError } from '../../src/errors.js';

const SECRET = 'S3cr3t@pw9Zq';
const ENCODED = encodeURIComponent(SECRET);

/** [what, DSN, redacted]: every scheme routeperf reads, and the shapes people write. */
const CASES: [string, string, string][] = [
  ['sqlite relative path', 'sqlite:./var/routeperf.sqlite', 'sqlite:./var/routeperf.sqlite'],
  ['sqlite in memory', 'sqlite::memory:', 'sqlite::memory:'],
  ['sqlite path with @ and :', 'sqlite:/srv/app@2/db:1.sqlite', 'sqlite:/srv/app@2/db:1.sqlite'],
  [
    'postgres user and password',
    'postgres://app:hunter22@db.internal:5432/app',
    'postgres://app:***@db.internal:5432/app',
  ],
  [
    'postgres unencoded @ in the password',
    `postgres://app:${SECRET}@db:5432/app`,
    'postgres://app:***@db:5432/app',
  ],
  ['postgresql encoded password', `postgresql://app:${ENCODED}@db/app`, 'postgresql://app:***@db/app'],
  [
    'postgres password in the query',
    `postgres://db/app?user=app&password=${SECRET}&sslmode=require`,
    'postgres://db/app?user=app&password=***&sslmode=require',
  ],
  [
    'postgres ssl secrets, certificate kept',
    'postgres://app@db/app?sslcert=/c.pem&sslkey=/k.pem&sslpassword=kpass&SSLRootCert=/ca.pem',
    'postgres://app@db/app?sslcert=/c.pem&sslkey=***&sslpassword=***&SSLRootCert=/ca.pem',
  ],
  [
    'postgres no password',
    'postgres://postgres@127.0.0.1:5432/test',
    'postgres://postgres@127.0.0.1:5432/test',
  ],
  ['postgres IPv6 host', `postgres://app:${SECRET}@[::1]:5432/app`, 'postgres://app:***@[::1]:5432/app'],
  [
    'postgres password with / ? and # unencoded (no URL parser accepts it)',
    'postgres://app:p/ss?w#rd@db/app',
    'postgres://app:***@db/app',
  ],
  [
    'mysql password with special characters encoded',
    'mysql://root:p%3Ass%2Fw%26rd@127.0.0.1:3306/test',
    'mysql://root:***@127.0.0.1:3306/test',
  ],
  [
    'mysql unencoded : in the password',
    'mysql://root:a:b:c@127.0.0.1:3306/test',
    'mysql://root:***@127.0.0.1:3306/test',
  ],
  ['mariadb password only', 'mariadb://:justpass@db/app', 'mariadb://:***@db/app'],
  ['mariadb no user information', 'mariadb://db:3306/app', 'mariadb://db:3306/app'],
  [
    'redis requirepass form',
    `redis://:${SECRET}@127.0.0.1:6379/routeperf?group=g`,
    'redis://:***@127.0.0.1:6379/routeperf?group=g',
  ],
  [
    'redis ACL user, stream name with @',
    'redis://worker:pw1234@cache:6379/metrics@eu',
    'redis://worker:***@cache:6379/metrics@eu',
  ],
  [
    'rediss with IPv6 and an auth parameter',
    'rediss://[2001:db8::1]:6380/s?AUTH=tok123&db=2',
    'rediss://[2001:db8::1]:6380/s?AUTH=***&db=2',
  ],
  [
    'amqp guest, vhost and tuning',
    'amqp://guest:guest@127.0.0.1:5672/%2F?heartbeat=30&queue=q',
    'amqp://guest:***@127.0.0.1:5672/%2F?heartbeat=30&queue=q',
  ],
  [
    'amqps with an API key and a token',
    'amqps://user:pw@mq.example.com/vh?api_key=k1&Access-Token=t2&queue=q',
    'amqps://user:***@mq.example.com/vh?api_key=***&Access-Token=***&queue=q',
  ],
  ['database queue', 'database://default?queue=metrics', 'database://default?queue=metrics'],
  [
    'database queue with secret-named option',
    'database://default?secret=x1',
    'database://default?secret=***',
  ],
  ['memory', 'memory://?batchSize=500&maxQueue=10', 'memory://?batchSize=500&maxQueue=10'],
  ['sync', 'sync://', 'sync://'],
  ['not a URL: user:pass@host', `app:${SECRET}@db/app`, 'app:***@db/app'],
  [
    'not a URL: libpq key=value words',
    `host=db user=app password=${SECRET} dbname=app`,
    'host=db user=app password=*** dbname=app',
  ],
  ['not a URL: scheme without //', `mysql:root:${SECRET}@db/app`, 'mysql:***@db/app'],
  ['not a URL at all', 'localhost', 'localhost'],
  ['empty', '', ''],
  ['non-numeric port kept readable', 'postgres://app@db:54x2/app', 'postgres://app@db:54x2/app'],
];

describe('redactDsn', () => {
  it.each(CASES)('%s', (_what, dsn, redacted) => {
    expect(redactDsn(dsn)).toBe(redacted);
  });

  it('covers at least 20 shapes and every scheme', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
    const schemes = new Set(CASES.map(([, dsn]) => /^([a-z]+):/.exec(dsn)?.[1]));
    for (const scheme of [
      'sqlite',
      'postgres',
      'postgresql',
      'mysql',
      'mariadb',
      'redis',
      'rediss',
      'amqp',
      'amqps',
      'database',
      'memory',
      'sync',
    ]) {
      expect(schemes).toContain(scheme);
    }
  });

  it('never keeps a part of the distinctive secret', () => {
    for (const [, dsn] of CASES) {
      expect(redactDsn(dsn)).not.toMatch(/S3cr3t|pw9Zq/);
    }
  });
});

describe('redactSecretsIn', () => {
  const dsn = `postgres://app:${SECRET}@db:5432/app?sslpassword=keypass1`;

  it('hides a DSN echoed whole, and its secrets raw, encoded or decoded', () => {
    const message = [
      `connect to ${dsn} failed`,
      `password ${ENCODED} rejected`,
      `password ${SECRET} rejected`,
      'key keypass1 wrong',
    ].join('\n');
    expect(redactSecretsIn(message, [dsn])).toBe(
      [
        'connect to postgres://app:***@db:5432/app?sslpassword=*** failed',
        'password *** rejected',
        'password *** rejected',
        'key *** wrong',
      ].join('\n'),
    );
  });

  it('leaves short secrets alone in free text, where they would match ordinary words', () => {
    expect(redactSecretsIn('could not open the app database', ['mysql://root:ap@db/app'])).toBe(
      'could not open the app database',
    );
  });
});

describe('withoutSecrets', () => {
  it('hides the secrets of every DSN of a configuration in whatever the logger is given', () => {
    class Collector {
      lines: string[] = [];
      info(message: string) {
        this.lines.push(`info ${message}`);
      }
      warn(message: string) {
        this.lines.push(`warn ${message}`);
      }
      error(message: string, ...rest: unknown[]) {
        this.lines.push(`error ${message} ${rest.length}`);
      }
    }
    const collector = new Collector();
    const config = {
      database: `mysql://root:${SECRET}@db/app`,
      transport: 'redis://:redispass1@cache/routeperf',
      failureTransport: 'database://default',
      transports: { audit: { dsn: 'amqp://u:amqppass1@mq' }, other: 'postgres://u:pgpass123@db/x' },
    };
    const logger = withoutSecrets(collector, dsnsOf(config));
    logger.info(`opened ${config.database}`);
    logger.warn('redis said: wrong password redispass1');
    logger.error('amqp: amqppass1 and pgpass123 refused', new Error('kept'));
    expect(collector.lines).toEqual([
      'info opened mysql://root:***@db/app',
      'warn redis said: wrong password ***',
      'error amqp: *** and *** refused 1',
    ]);
  });
});

describe('a failure the CLI prints', () => {
  it('shows the cause as the store redacted it, never the raw cause a driver may have echoed a secret in', () => {
    const database = `postgres://app:${SECRET}@db:5432/app`;
    const driverError = new Error(`password authentication failed for ${database}`);
    const error = new RouteperfError(
      'ROUTEPERF_STORE_UNREACHABLE',
      `Could not connect to ${redactDsn(database)}: ${redactSecretsIn(driverError.message, [database])}`,
      { cause: driverError },
    );
    const printed = failureMessage(error, 'routes');
    expect(printed).toContain('password authentication failed for postgres://app:***@db:5432/app');
    expect(printed).not.toContain('S3cr3t');
  });
});
