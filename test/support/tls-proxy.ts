import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl for one test file. */
export interface TestCertificate {
  /** PEM file of the certificate: the CA a client must be given to trust it. */
  certFile: string;
  cert: Buffer;
  key: Buffer;
  remove(): void;
}

export async function makeCertificate(): Promise<TestCertificate> {
  const folder = mkdtempSync(join(tmpdir(), 'routeperf-tls-'));
  const certFile = join(folder, 'cert.pem');
  const keyFile = join(folder, 'key.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=routeperf test',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return {
    certFile,
    cert: readFileSync(certFile),
    key: readFileSync(keyFile),
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}

/**
 * A loopback proxy that ends TLS in front of a plain local service, as a managed service's endpoint does.
 * `startTls: 'postgres'` speaks PostgreSQL's way in: the client asks for TLS in plain text (SSLRequest),
 * the proxy says yes and then the handshake starts on the same socket. `handshakes` counts the TLS
 * sessions it opened, so that a test can tell the traffic went through TLS.
 */
export class TlsProxy {
  handshakes = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(
    target: { host: string; port: number },
    certificate: Pick<TestCertificate, 'cert' | 'key'>,
    startTls?: 'postgres',
  ): Promise<TlsProxy> {
    let proxy: TlsProxy | undefined;
    const server = createServer((client) => {
      proxy!.#sockets.add(client);
      client.on('close', () => proxy!.#sockets.delete(client));
      client.on('error', () => {});
      if (startTls !== 'postgres') return proxy!.#secure(client, target, certificate);
      // SSLRequest: length 8, then the code 80877103. Anything else is refused: this proxy only does TLS.
      client.once('data', (first: Buffer) => {
        if (first.length !== 8 || first.readInt32BE(4) !== 80877103) return client.destroy();
        client.write('S');
        proxy!.#secure(client, target, certificate);
      });
    });
    proxy = new TlsProxy(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #secure(
    client: Socket,
    target: { host: string; port: number },
    certificate: Pick<TestCertificate, 'cert' | 'key'>,
  ) {
    const secure = new TLSSocket(client, { isServer: true, cert: certificate.cert, key: certificate.key });
    secure.on('error', () => client.destroy());
    secure.once('secure', () => {
      this.handshakes++;
      const upstream = connect(target);
      this.#sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      secure.pipe(upstream);
      upstream.pipe(secure);
    });
  }
}
