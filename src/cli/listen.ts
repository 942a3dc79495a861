import type { Server } from 'node:http';
import type { OptionSpecs } from './command.js';
import { usageError } from './usage-error.js';
import { nonEmpty, wholeNumber } from './values.js';

const LOOPBACK = '127.0.0.1';

/** The --port and --host options of a command that serves over HTTP. */
export function servingOptions(defaultPort: number) {
  return {
    port: { type: 'string', value: '<n>', description: `Port to serve on (default ${defaultPort})` },
    host: {
      type: 'string',
      value: '<address>',
      description: `Address to listen on (default ${LOOPBACK}: this machine only)`,
    },
  } as const satisfies OptionSpecs;
}

/** The port and address given by those options, checked. */
export function servingAddress(values: { port?: string; host?: string }, defaultPort: number) {
  return {
    port: wholeNumber('port', values.port, { min: 0, max: 65_535 }) ?? defaultPort,
    host: nonEmpty('host', values.host) ?? LOOPBACK,
  };
}

/** Listens and returns the base URL to print; a wildcard address is printed as loopback. */
export async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      throw usageError(`--port: port ${port} of ${host} is taken; choose another`);
    if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
      throw usageError(`--host: expected an address of this machine, got ${JSON.stringify(host)}`);
    throw error;
  });
  const address = server.address() as { address: string; port: number };
  const shown =
    address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`;
}
