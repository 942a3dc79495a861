import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on an ephemeral loopback port and returns the base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Sends `count` requests with at most `concurrency` in flight; returns the statuses in order. */
export async function hammer(
  urls: (i: number) => string,
  count: number,
  concurrency = 50,
  init?: (i: number) => RequestInit,
) {
  const statuses: number[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const response = await fetch(urls(i), init?.(i));
      await response.arrayBuffer();
      statuses[i] = response.status;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return statuses;
}

/**
 * POSTs `body` as JSON, sending it only once `server` has received the request's headers, so that the body
 * reaches the app in a later read from the socket, as a large or slow upload does.
 */
export async function postWithLateBody(server: Server, url: string, body: unknown) {
  const json = JSON.stringify(body);
  const arrived = once(server, 'request');
  const request = httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) },
  });
  request.flushHeaders();
  await arrived;
  request.end(json);
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  let text = '';
  for await (const chunk of response) text += chunk;
  return { status: response.statusCode, body: JSON.parse(text) as unknown };
}
