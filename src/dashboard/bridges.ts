/**
 * The two thin bridges between a server and the core handler: node:http's request and response (Express,
 * Fastify, Koa, node:http, Nest), and the Fetch API's Request and Response (Hono, on any runtime). Each
 * turns the request into the plain form, reads a form body of at most 64 KiB, and sends the answer back.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { DashboardRequest } from '../config/types.js';
import type { DashboardHandler } from './handler.js';
import { type DashboardResponse, textResponse } from './responses.js';

/** The largest body the dashboard reads: its one form holds a few short fields. */
export const MAX_BODY_BYTES = 64 * 1024;

const TOO_LARGE = Symbol('body too large');

/** Whether the client reached the server over HTTPS, directly or (as a proxy says) through one. */
function isSecure(socketEncrypted: boolean, forwardedProto: string | string[] | undefined): boolean {
  const proto = Array.isArray(forwardedProto) ? forwardedProto[0] : forwardedProto;
  return socketEncrypted || proto?.split(',')[0]?.trim().toLowerCase() === 'https';
}

/** A body some middleware parsed already (Nest's body parsers), back as form text. */
function formText(parsed: unknown): string {
  if (typeof parsed === 'string') return parsed;
  if (parsed instanceof Uint8Array) return Buffer.from(parsed).toString('utf8');
  if (typeof parsed !== 'object' || parsed === null) return '';
  const fields = Object.entries(parsed).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  return new URLSearchParams(fields).toString();
}

async function readNodeBody(req: IncomingMessage): Promise<string | typeof TOO_LARGE> {
  // Read already by a body parser that ran before the dashboard: what it parsed is all there is.
  if (req.readableEnded || (req as { _body?: unknown })._body === true)
    return formText((req as { body?: unknown }).body);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendNode(res: ServerResponse, response: DashboardResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

/**
 * Answers `req` when `url` (default `req.url`) is under the dashboard's path: resolves to true once the
 * answer is sent, to false, at once and without reading anything, when the request is not the dashboard's.
 */
export async function serveNode(
  handler: DashboardHandler,
  req: IncomingMessage,
  res: ServerResponse,
  url = req.url ?? '/',
): Promise<boolean> {
  if (handler.relativePath(url) === undefined) return false;
  const method = req.method ?? 'GET';
  const body = method === 'POST' ? await readNodeBody(req) : undefined;
  if (body === TOO_LARGE) {
    sendNode(res, textResponse(413, 'Payload too large', { headers: { connection: 'close' } }));
    return true;
  }
  const request: DashboardRequest = {
    method,
    url,
    headers: req.headers,
    ...(body === undefined ? {} : { body }),
    secure: isSecure((req.socket as TLSSocket).encrypted === true, req.headers['x-forwarded-proto']),
  };
  const response = await handler.handle(request);
  if (!response) return false;
  sendNode(res, response);
  return true;
}

async function readFetchBody(request: Request): Promise<string | typeof TOO_LARGE> {
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) return TOO_LARGE;
  const bytes = new Uint8Array(await request.arrayBuffer());
  return bytes.byteLength > MAX_BODY_BYTES ? TOO_LARGE : Buffer.from(bytes).toString('utf8');
}

function fetchResponse(response: DashboardResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const empty = response.body.length === 0;
  return new Response(empty ? null : response.body, { status: response.status, headers });
}

/** Answers a Fetch API request under the dashboard's path; undefined when the request is not the dashboard's. */
export async function serveFetch(handler: DashboardHandler, request: Request): Promise<Response | undefined> {
  const { pathname, search, protocol } = new URL(request.url);
  const url = `${pathname}${search}`;
  if (handler.relativePath(url) === undefined) return undefined;
  const body = request.method === 'POST' ? await readFetchBody(request) : undefined;
  if (body === TOO_LARGE) return fetchResponse(textResponse(413, 'Payload too large'));
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const response = await handler.handle({
    method: request.method,
    url,
    headers,
    ...(body === undefined ? {} : { body }),
    secure: isSecure(protocol === 'https:', headers['x-forwarded-proto']),
  });
  return response && fetchResponse(response);
}
