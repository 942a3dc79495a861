/**
 * Traffic for a documented worker to store: an app in async mode answers requests and leaves their
 * metrics on a transport; the count of requests stored is read from the worker's SQLite store.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import Database from 'better-sqlite3';
import { withRouteperf } from '../../src/adapters/http.js';
import { closeServer, listen } from '../support/http.js';

/** Sends `count` requests to an app recording asynchronously to `transport`; its messages are sent when this resolves. */
export async function sendRequests(count: number, transport: string, environment: string): Promise<void> {
  const listener = withRouteperf((_req, res) => res.end('ok'), {
    async: true,
    transport,
    environment,
    // The app's own store takes no part: the worker stores what the transport carries.
    database: 'sqlite::memory:',
  });
  const server = createServer(listener);
  const url = await listen(server);
  try {
    for (let id = 1; id <= count; id++) await (await fetch(`${url}/users/${id}`)).arrayBuffer();
  } finally {
    await closeServer(server);
    await listener.close();
  }
}

/** Requests stored in the SQLite file `path`: 0 before the worker has created its tables. */
export function storedRequests(path: string): number {
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare("select 1 from sqlite_master where name = 'routeperf_aggregates'").get();
    if (!table) return 0;
    return Number(db.prepare('select coalesce(sum(count), 0) from routeperf_aggregates').pluck().get());
  } finally {
    db.close();
  }
}
