import type pg from 'pg';
import { importDriver } from '../../../store/dialects/shared/import-driver.js';

/**
 * PostgreSQL's LISTEN on a connection of its own (a pooled connection goes back to the pool and stops
 * listening): `send` notifies the queue's channel, and a worker waiting on an empty queue claims at once
 * instead of at its next poll. Polling stays the safety net: a notification missed while this connection
 * is down costs one poll interval, never a message.
 */
export class PostgresListener {
  #client?: Promise<pg.Client>;
  #closed = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly queue: string,
    private readonly onNotification: () => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts listening unless it already does; a failure is reported and tried again at the next call. */
  listen(): void {
    if (this.#client || this.#closed) return;
    const forget = () => {
      if (this.#client === client) this.#client = undefined;
    };
    const client = this.#connect(forget);
    this.#client = client;
    client.catch((error) => {
      forget();
      this.onError(error);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = await this.#client?.catch(() => undefined);
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  /** A connected, listening client; `forget` runs when it is lost, so that the next call reconnects. */
  async #connect(forget: () => void): Promise<pg.Client> {
    const { default: driver } = await importDriver<{ default: typeof pg }>('pg', 'A postgres: queue');
    const client = new driver.Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    client.on('notification', (notification) => {
      if (notification.payload === this.queue) this.onNotification();
    });
    client.on('error', (error) => {
      forget();
      this.onError(error);
    });
    client.on('end', forget);
    try {
      await client.connect();
      await client.query(`listen "${this.channel}"`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) await client.end();
    return client;
  }
}
