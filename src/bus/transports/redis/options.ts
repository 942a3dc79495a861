import { hostname } from 'node:os';
import { redactDsn } from '../../../dsn.js';
import { RouteperfError } from '../../../errors.js';
import { dsnInteger, dsnString } from '../../dsn.js';
import { rejectUnknownOptions } from '../../dsn-options.js';
import { type TlsOptions, tlsOptionsOf } from '../../tls-options.js';

/**
 * What a `redis://[user:pass@]host:port/<stream>?group=…&consumer=…&maxLength=…&redeliveryTimeout=…&pack=…&db=…`
 * DSN asks for. The path is the stream's key (not a database number, as in some Redis URLs): the
 * database is the `db` parameter. `pack` (default 100) is the most messages one stream entry carries:
 * the messages of one send() go in as few entries as that allows, so Redis counts entries, not messages
 * (`maxLength`, XLEN, the pending and in-flight counts of stats()). `pack=1` writes one entry per message.
 */
export interface RedisTransportOptions {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  stream: string;
  group: string;
  /** Unique among the running consumers of the group: two live processes with one name share a pending list. */
  consumer: string;
  /**
   * Approximate cap on the stream's length in entries (XADD MAXLEN ~), each holding up to `pack` messages;
   * undefined keeps every entry until it is acknowledged.
   */
  maxLength: number | undefined;
  /** Milliseconds an entry may stay delivered and unacknowledged before another consumer takes it over. */
  redeliveryTimeout: number;
  /** The most messages one stream entry carries (1: one entry per message, as before packing). */
  pack: number;
  /** `rediss://`: TLS, with the DSN's CA if it names one. */
  tls: TlsOptions | undefined;
  /** `cluster=true`: a Redis Cluster, found from the DSN's host and any other `nodes` given. */
  cluster: { nodes: { host: string; port: number }[] } | undefined;
  /** For logs, `diagnose` and worker heartbeats; the password is hidden. */
  description: string;
}

const DEFAULT_PORT = 6379;
const DEFAULT_STREAM = 'routeperf';
const DEFAULT_GROUP = 'routeperf';
const DEFAULT_REDELIVERY_TIMEOUT_MS = 60_000;
const DEFAULT_PACK = 100;
const QUERY_KEYS = [
  'group',
  'consumer',
  'maxLength',
  'redeliveryTimeout',
  'pack',
  'db',
  'ca',
  'servername',
  'cluster',
  'nodes',
];

/** Reads a redis:// DSN; a mistake in it throws ROUTEPERF_CONFIG_INVALID naming the key at fault. */
export function parseRedisDsn(dsn: URL, consumerName: string): RedisTransportOptions {
  // A misspelt option (`maxlength`) silently ignored would leave the stream unbounded.
  rejectUnknownOptions(dsn, { known: QUERY_KEYS });
  const host = dsn.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = dsn.port ? Number(dsn.port) : DEFAULT_PORT;
  const db = dsnInteger(dsn, 'db', 0, 0);
  const stream = decoded(dsn.pathname.slice(1), 'stream') || DEFAULT_STREAM;
  const group = dsnString(dsn, 'group', DEFAULT_GROUP);
  return {
    host,
    port,
    username: decoded(dsn.username, 'username') || undefined,
    password: decoded(dsn.password, 'password') || undefined,
    db,
    stream,
    group,
    consumer: dsnString(dsn, 'consumer', consumerName || `${hostname()}-${process.pid}`),
    maxLength: dsn.searchParams.has('maxLength') ? dsnInteger(dsn, 'maxLength', 0) : undefined,
    redeliveryTimeout: dsnInteger(dsn, 'redeliveryTimeout', DEFAULT_REDELIVERY_TIMEOUT_MS),
    pack: dsnInteger(dsn, 'pack', DEFAULT_PACK),
    tls: tlsOptionsOf(dsn, 'rediss:'),
    cluster: clusterOf(dsn, db),
    description: describe(dsn, `${dsn.hostname || host}:${port}`, stream, group, db),
  };
}

/** `redis://user:***@host:port/stream?group=g` — what identifies the stream, never the password. */
function describe(dsn: URL, address: string, stream: string, group: string, db: number): string {
  const auth =
    dsn.username || dsn.password ? `${dsn.username}${dsn.password ? `:${dsn.password}` : ''}@` : '';
  const database = `${db === 0 ? '' : `&db=${db}`}${dsn.searchParams.get('cluster') === 'true' ? '&cluster=true' : ''}`;
  return redactDsn(
    `${dsn.protocol}//${auth}${address}/${encodeURIComponent(stream)}?group=${encodeURIComponent(group)}${database}`,
  );
}

/** `cluster=true` and its other seed nodes (`nodes=host:port,host:port`); a cluster has database 0 only. */
function clusterOf(dsn: URL, db: number): RedisTransportOptions['cluster'] {
  const flag = dsn.searchParams.get('cluster');
  const nodes = dsn.searchParams.get('nodes');
  if (flag === null || flag === 'false') {
    if (nodes !== null) throw invalid('nodes', 'only taken with cluster=true');
    return undefined;
  }
  if (flag !== 'true') throw invalid('cluster', `expected true or false, got ${JSON.stringify(flag)}`);
  if (db !== 0)
    throw invalid('db', `expected 0 with cluster=true (a Redis Cluster has database 0 only), got ${db}`);
  const seeds = (nodes ?? '')
    .split(',')
    .filter(Boolean)
    .map((node) => {
      const match = /^(.+):(\d{1,5})$/.exec(node);
      if (!match)
        throw invalid('nodes', `expected host:port pairs separated by commas, got ${JSON.stringify(node)}`);
      return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
    });
  return { nodes: seeds };
}

function decoded(raw: string, key: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid(key, `expected URL-encoded text, got ${JSON.stringify(raw)}`);
  }
}

function invalid(key: string, problem: string): RouteperfError {
  return new RouteperfError('ROUTEPERF_CONFIG_INVALID', `transport redis:// ${key}: ${problem}`);
}
