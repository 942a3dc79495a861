import { connect, createServer } from 'node:net';

/** Why a TCP service cannot be reached, or undefined when it can. Shared by the tests and the benchmarks. */
export function unreachable(host: string, port: number, timeoutMs = 1500): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reason?: string) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`${host}:${port} did not answer within ${timeoutMs} ms`));
    socket.once('connect', () => done());
    socket.once('error', (error) => done(`${host}:${port} unreachable (${error.message})`));
  });
}

/** A loopback port nothing listens on (one the system just handed out and took back): connecting is refused at once. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
