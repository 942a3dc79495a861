/**
 * TLS to managed services, simulated: a loopback proxy with a certificate made for this file ends TLS in
 * front of the local Redis, RabbitMQ and PostgreSQL. rediss:// and amqps:// carry messages through it,
 * a PostgreSQL URL with sslmode=verify-full stores through it, and a server whose certificate the client
 * was not told to trust is refused, not used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTransport } from '../../src/bus/transports/index.js';
import { createRouteperf } from '../../src/routeperf.js';
import { AMQP_HOST, AMQP_PORT, describeWithRabbitMQ, useAmqp } from '../support/amqp.js';
import {
  describeWithService,
  dropTables,
  MYSQL_URL,
  POSTGRES_URL,
  uniquePrefix,
  unreachable,
} from '../support/databases.js';
import { requestMetrics } from '../support/metrics.js';
import { describeWithRedis, REDIS_URL, testContext, useRedisStreams } from '../support/redis.js';
import { ingest, readRoutes } from '../support/seed.js';
import { makeCertificate, type TestCertificate, TlsProxy } from '../support/tls-proxy.js';
import { until } from '../support/wait.js';

const silent = { info() {}, warn() {}, error() {} };
let certificate: TestCertificate;
beforeAll(async () => {
  certificate = await makeCertificate();
});
afterAll(() => certificate?.remove());

/** A proxy for one test, closed after it. */
async function proxyTo(url: string, defaultPort: number, startTls?: 'postgres' | 'mysql') {
  const { hostname, port } = new URL(url);
  return TlsProxy.start({ host: hostname, port: Number(port || defaultPort) }, certificate, startTls);
}

describe('transport DSN TLS options', () => {
  it.each([
    [
      'rediss://127.0.0.1:1/s?ca=/nonexistent/ca.pem',
      'transport rediss:// ca: expected a readable PEM file, got "/nonexistent/ca.pem"',
    ],
    [
      'redis://127.0.0.1:1/s?ca=/etc/hostname',
      'transport redis:// ca: only taken by rediss:// (TLS) DSNs, got it on redis://',
    ],
    [
      'amqps://127.0.0.1:1?ca=/etc/hostname',
      'transport amqps:// ca: expected a PEM file of certificates, got "/etc/hostname"',
    ],
  ])('refuses %s at start, naming the key', async (dsn, message) => {
    await expect(openTransport(dsn, testContext().context)).rejects.toThrow(message);
  });
});

describeWithRedis('rediss://', () => {
  const redis = useRedisStreams();

  it('sends and receives through TLS with the CA of the DSN, and refuses a server it cannot verify', async () => {
    const proxy = await proxyTo(REDIS_URL, 6379);
    try {
      const stream = redis.stream();
      const base = `rediss://127.0.0.1:${proxy.port}/${stream}`;
      const transport = await openTransport(
        `${base}?ca=${encodeURIComponent(certificate.certFile)}`,
        testContext().context,
      );
      try {
        await transport.setup();
        await transport.send(['one', 'two']);
        const received = await transport.receive(10, 100);
        expect(received.map((message) => message.body)).toEqual(['one', 'two']);
        await transport.ack(received);
      } finally {
        await transport.close();
      }
      expect(proxy.handshakes).toBeGreaterThan(0);

      const untrusted = await openTransport(base, testContext().context);
      try {
        await expect(untrusted.send(['three'])).rejects.toThrow(/self[- ]signed certificate/i);
      } finally {
        await untrusted.close();
      }
    } finally {
      await proxy.close();
    }
  });
});

describeWithRabbitMQ('amqps://', () => {
  const amqp = useAmqp();

  it('sends and receives through TLS with the CA of the DSN, and refuses a server it cannot verify', async () => {
    const proxy = await TlsProxy.start({ host: AMQP_HOST, port: AMQP_PORT }, certificate);
    try {
      const queue = amqp.queue();
      const base = `amqps://guest:guest@127.0.0.1:${proxy.port}/?queue=${queue}`;
      const transport = await amqp.open(`${base}&ca=${encodeURIComponent(certificate.certFile)}`);
      await transport.setup();
      await transport.send(['one', 'two']);
      const bodies: string[] = [];
      await until(async () => {
        const received = await transport.receive(10, 100);
        bodies.push(...received.map((message) => message.body));
        await transport.ack(received);
        return bodies.length === 2;
      });
      expect(bodies).toEqual(['one', 'two']);
      expect(proxy.handshakes).toBeGreaterThan(0);

      const untrusted = await amqp.open(base);
      await expect(untrusted.send(['three'])).rejects.toThrow(/self[- ]signed certificate/i);
    } finally {
      await proxy.close();
    }
  });
});

/**
 * Stores a request through a TLS proxy in front of `url`'s server, with the URL `trust` makes (its CA
 * given), reads it back, and sees a URL that asks for a verified TLS without that CA (`verify`) refused.
 */
async function storesThroughTls(
  url: string,
  defaultPort: number,
  startTls: 'postgres' | 'mysql',
  options: { verify: (url: URL) => void; trust: (url: URL) => void },
) {
  const proxy = await proxyTo(url, defaultPort, startTls);
  const tablePrefix = uniquePrefix();
  const through = new URL(url);
  through.host = `127.0.0.1:${proxy.port}`;
  options.verify(through);
  try {
    const trusted = new URL(through);
    options.trust(trusted);
    const database = trusted.href;
    await ingest({ database, tablePrefix }, [requestMetrics({ environment: 'test', route: '/secure' })]);
    const routes = await readRoutes({ database, tablePrefix, environment: 'test' });
    expect(routes.map((r) => [r.route, r.count])).toEqual([['/secure', 1]]);
    expect(proxy.handshakes).toBeGreaterThan(0);

    const untrusted = await createRouteperf({
      database: through.href,
      tablePrefix,
      environment: 'test',
      logger: silent,
    });
    try {
      await expect(untrusted.routes()).rejects.toThrow(/self[- ]signed certificate/i);
    } finally {
      await untrusted.close();
    }
  } finally {
    await dropTables(url, tablePrefix);
    await proxy.close();
  }
}

const postgres = new URL(POSTGRES_URL);
describeWithService(
  'PostgreSQL with sslmode',
  'PostgreSQL',
  await unreachable(postgres.hostname, Number(postgres.port || 5432)),
  () => {
    it('stores and reads through TLS with sslmode=verify-full and the CA of the URL, and refuses an untrusted server', async () => {
      await storesThroughTls(POSTGRES_URL, 5432, 'postgres', {
        verify: (url) => url.searchParams.set('sslmode', 'verify-full'),
        trust: (url) => url.searchParams.set('sslrootcert', certificate.certFile),
      });
    });
  },
);

const mysql = new URL(MYSQL_URL);
describeWithService(
  'MySQL with ssl-ca',
  'MariaDB',
  await unreachable(mysql.hostname, Number(mysql.port || 3306)),
  () => {
    it('stores and reads through TLS with the CA of the URL, and refuses an untrusted server', async () => {
      await storesThroughTls(MYSQL_URL, 3306, 'mysql', {
        verify: (url) => url.searchParams.set('ssl', 'true'),
        trust: (url) => {
          url.searchParams.delete('ssl');
          url.searchParams.set('ssl-ca', certificate.certFile);
        },
      });
    });

    it.each([
      ['ssl=yes', 'database: the "ssl" option expects true or false, got "yes"'],
      [
        'ssl-ca=/nonexistent/ca.pem',
        'database: the "ssl-ca" option expects a readable PEM file, got "/nonexistent/ca.pem"',
      ],
    ])('refuses ?%s, naming the option', async (query, message) => {
      const routeperf = await createRouteperf({
        database: `${MYSQL_URL}?${query}`,
        environment: 'test',
        logger: silent,
      });
      try {
        await expect(routeperf.routes()).rejects.toThrow(message);
      } finally {
        await routeperf.close();
      }
    });
  },
);
