import { readFileSync } from 'node:fs';
import { RouteperfError } from '../errors.js';

/** What a TLS connection of a transport checks the server against: Node's trusted CAs, or one of the DSN's. */
export interface TlsOptions {
  /** The PEM certificates of the CA that signed the server's certificate (the DSN's `ca`: a file path). */
  ca?: Buffer;
  /** The name the server's certificate must carry, when it is not the DSN's host (`servername`). */
  servername?: string;
}

/**
 * The TLS options of a `rediss://` or `amqps://` DSN, or undefined for a plain one. The server's
 * certificate is always verified: a managed service's CA goes in `ca`, never a switch that turns checks
 * off. A `ca` file that cannot be read is a configuration error, said at start-up.
 */
export function tlsOptionsOf(dsn: URL, secureProtocol: string): TlsOptions | undefined {
  if (dsn.protocol !== secureProtocol) {
    for (const key of ['ca', 'servername'])
      if (dsn.searchParams.has(key))
        throw invalid(dsn, key, `only taken by ${secureProtocol}// (TLS) DSNs, got it on ${dsn.protocol}//`);
    return undefined;
  }
  const options: TlsOptions = {};
  const ca = dsn.searchParams.get('ca');
  if (ca !== null) {
    try {
      options.ca = readFileSync(ca);
    } catch (error) {
      throw invalid(
        dsn,
        'ca',
        `expected a readable PEM file, got ${JSON.stringify(ca)} (${(error as Error).message})`,
      );
    }
    if (!options.ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----'))
      throw invalid(dsn, 'ca', `expected a PEM file of certificates, got ${JSON.stringify(ca)}`);
  }
  const servername = dsn.searchParams.get('servername');
  if (servername) options.servername = servername;
  return options;
}

function invalid(dsn: URL, key: string, problem: string) {
  return new RouteperfError('ROUTEPERF_CONFIG_INVALID', `transport ${dsn.protocol}// ${key}: ${problem}`);
}
