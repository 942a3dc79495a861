import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
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
 * the proxy says yes and then the handshake starts on the same socket. `startTls: 'mysql'` does MySQL's:
 * the proxy offers TLS in the server's greeting, takes the client's SSLRequest, and shifts the packets'
 * sequence numbers by one until the server has said the login is done, so that the server, which never
 * saw the SSLRequest, and the client, which did, both count right. `handshakes` counts the TLS
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
    startTls?: 'postgres' | 'mysql',
  ): Promise<TlsProxy> {
    let proxy: TlsProxy | undefined;
    const server = createServer((client) => {
      proxy!.#sockets.add(client);
      client.on('close', () => proxy!.#sockets.delete(client));
      client.on('error', () => {});
      if (startTls === 'mysql') return proxy!.#mysql(client, target, certificate);
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

  #mysql(
    client: Socket,
    target: { host: string; port: number },
    certificate: Pick<TestCertificate, 'cert' | 'key'>,
  ) {
    const upstream = connect(target);
    this.#sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    const fromServer = new PacketReader();
    const fromClient = new PacketReader();
    let secure: TLSSocket | undefined;
    let loggedIn = false;
    upstream.on('data', (chunk: Buffer) => {
      if (loggedIn) return secure!.write(chunk);
      const packets = fromServer.push(chunk);
      for (const [i, packet] of packets.entries()) {
        if (!secure) {
          // The greeting: offer TLS (CLIENT_SSL, 0x0800, in the capability flags' lower two bytes, after
          // the protocol version, the server's version, the connection id, 8 bytes of salt and a filler).
          const flags = packet.indexOf(0, 5) + 1 + 4 + 8 + 1;
          packet.writeUInt16LE(packet.readUInt16LE(flags) | 0x0800, flags);
          client.write(packet);
          continue;
        }
        packet[3] = packet[3]! + 1;
        secure.write(packet);
        // OK (0x00) or ERR (0xff): the login is over, and every command starts its own count at 0.
        if (packet[4] === 0x00 || packet[4] === 0xff) {
          loggedIn = true;
          for (const later of packets.slice(i + 1)) secure.write(later);
          secure.write(fromServer.rest());
          return;
        }
      }
    });
    client.once('data', (chunk: Buffer) => {
      // The SSLRequest (32 bytes, sequence 1); the client's TLS hello may come in the same chunk.
      if (chunk.length < 36 || chunk.readUIntLE(0, 3) !== 32 || chunk[3] !== 1) return client.destroy();
      // TLS runs over a stream fed from the socket, so that those bytes reach it first.
      const wire = new Duplex({
        read() {},
        write(data, _encoding, done) {
          client.write(data, done);
        },
      });
      wire.push(chunk.subarray(36));
      client.on('data', (data) => wire.push(data));
      client.on('end', () => wire.push(null));
      secure = new TLSSocket(wire, { isServer: true, cert: certificate.cert, key: certificate.key });
      secure.on('error', () => client.destroy());
      secure.once('secure', () => this.handshakes++);
      let first = true;
      secure.on('data', (chunk: Buffer) => {
        if (loggedIn) return upstream.write(chunk);
        for (const packet of fromClient.push(chunk)) {
          packet[3] = packet[3]! - 1;
          // The login packet: the server never offered TLS, so the client must not say it uses it.
          if (first) packet.writeUInt32LE((packet.readUInt32LE(4) & ~0x0800) >>> 0, 4);
          first = false;
          upstream.write(packet);
        }
      });
    });
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

/** Splits a stream of MySQL packets (a 3-byte length, a sequence number, the payload) into whole packets. */
class PacketReader {
  #buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const packets: Buffer[] = [];
    while (this.#buffer.length >= 4) {
      const length = this.#buffer.readUIntLE(0, 3) + 4;
      if (this.#buffer.length < length) break;
      packets.push(Buffer.from(this.#buffer.subarray(0, length)));
      this.#buffer = this.#buffer.subarray(length);
    }
    return packets;
  }

  /** What came after the last whole packet. */
  rest(): Buffer {
    const rest = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return rest;
  }
}
