import { z } from 'zod';
import type { RequestMetrics } from '../core/metrics.js';

export const RECORD_MESSAGE_TYPE = 'routeperf.record';
export const RECORD_MESSAGE_VERSION = 1;

/**
 * The message a request becomes in asynchronous mode: versioned JSON whose `id` is the request id, the
 * deduplication key from producer to store.
 * `{ "type": "routeperf.record", "v": 1, "id": "…", "ts": 1700000000000, "body": { … } }`
 */
export interface RecordEnvelope {
  type: typeof RECORD_MESSAGE_TYPE;
  v: typeof RECORD_MESSAGE_VERSION;
  id: string;
  ts: number;
  body: Omit<RequestMetrics, 'id' | 'ts'>;
}

const finite = z.number().finite();
const body = z.strictObject({
  environment: z.string().min(1).max(64),
  method: z.string().min(1).max(16),
  route: z.string().min(1).max(600),
  statusCode: z.number().int().min(100).max(999),
  requestTime: finite.min(0),
  queryCount: z.number().int().min(0),
  queryTime: finite.min(0),
  memory: finite.min(0),
  path: z.string().max(2048).optional(),
  referer: z.string().max(2048).optional(),
  userId: z.string().max(255).optional(),
});
const envelope = z.object({
  type: z.literal(RECORD_MESSAGE_TYPE),
  v: z.number(),
  id: z.string().min(1).max(128),
  ts: z.number().int().min(0),
  body: z.unknown(),
});

/** A message that can never be stored, whatever the retries: it goes straight to the failure store. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

export function encodeRecord(metrics: RequestMetrics): string {
  const { id, ts, ...rest } = metrics;
  const message: RecordEnvelope = {
    type: RECORD_MESSAGE_TYPE,
    v: RECORD_MESSAGE_VERSION,
    id,
    ts,
    body: rest,
  };
  return JSON.stringify(message);
}

/** Parses and validates a message; throws PoisonMessageError saying what is wrong with it. */
export function decodeRecord(raw: string): RequestMetrics {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new PoisonMessageError(`not JSON: ${(error as Error).message}`);
  }
  const outer = envelope.safeParse(parsed);
  if (!outer.success)
    throw new PoisonMessageError(`not a routeperf.record envelope: ${describe(outer.error)}`);
  if (outer.data.v !== RECORD_MESSAGE_VERSION) {
    throw new PoisonMessageError(
      `unknown version ${JSON.stringify(outer.data.v)} of routeperf.record (this worker reads version ${RECORD_MESSAGE_VERSION}); upgrade the worker`,
    );
  }
  const inner = body.safeParse(outer.data.body);
  if (!inner.success) throw new PoisonMessageError(`invalid body: ${describe(inner.error)}`);
  return { id: outer.data.id, ts: outer.data.ts, ...inner.data };
}

/** The message id of a raw message, when it has one, for logs and the failure store. */
export function messageIdOf(raw: string): string | undefined {
  try {
    const id = (JSON.parse(raw) as { id?: unknown }).id;
    return typeof id === 'string' ? id.slice(0, 128) : undefined;
  } catch {
    return undefined;
  }
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`).join('; ');
}
