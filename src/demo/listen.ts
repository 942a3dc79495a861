import type { FastifyInstance } from 'fastify';

export interface Listening {
  url: string;
  /** The port asked for when it was taken and an ephemeral one was used instead. */
  takenPort?: number;
}

/** Listens on loopback at `port`, or on an ephemeral port when `port` is taken. */
export async function listenWithFallback(app: FastifyInstance, port: number): Promise<Listening> {
  try {
    return { url: await app.listen({ port, host: '127.0.0.1' }) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    return { url: await app.listen({ port: 0, host: '127.0.0.1' }), takenPort: port };
  }
}
