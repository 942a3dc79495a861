import { Ajv2020 } from 'ajv/dist/2020.js';
import { z } from 'zod';
import type { RequestMetrics } from './metrics.js';

export const RECORD_MESSAGE_TYPE = 'routeperf.record';
export const RECORD_MESSAGE_VERSION = 1;

/**
 * The message a request becomes in asynchronous mode: versioned JSON whose `id` is the message id
 * routeperf made for the request, the deduplication key from producer to store.
 * `{ "type": "routeperf.record", "v": 1, "id": "…", "ts": 1700000000000, "body": { … } }`
 * Fields added to version 1 since its first release are optional (`body.correlationId`,
 * `body.queryRepeat`, `body.repeatedQuery`), so that a
 * message without them still decodes; a worker must be upgraded before the apps that send them.
 */
export interface RecordEnvelope {
  type: typeof RECORD_MESSAGE_TYPE;
  v: typeof RECORD_MESSAGE_VERSION;
  id: string;
  ts: number;
  body: Omit<RequestMetrics, 'id' | 'ts'>;
}

const text = (min: number, max: number) =>
  z
    .string({ error: `expected a string of ${min} to ${max} characters` })
    .min(min, {
      error: `expected a string of ${min} to ${max} characters`,
    })
    .max(max, { error: `expected a string of ${min} to ${max} characters` });
const whole = (min: number, max = Number.MAX_SAFE_INTEGER) => {
  const expected = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  return z
    .number({ error: `expected a whole number ${expected}` })
    .int({ error: `expected a whole number ${expected}` })
    .min(min, { error: `expected a whole number ${expected}` })
    .max(max, { error: `expected a whole number ${expected}` });
};
const amount = z
  .number({ error: 'expected a number of at least 0' })
  .finite({ error: 'expected a number of at least 0' })
  .min(0, { error: 'expected a number of at least 0' });
const body = z.strictObject(
  {
    environment: text(1, 64),
    method: text(1, 16),
    route: text(1, 600),
    statusCode: whole(100, 999),
    requestTime: amount,
    queryCount: whole(0),
    queryTime: amount,
    queryRepeat: whole(0).optional(),
    repeatedQuery: text(1, 1000).optional(),
    memory: amount,
    correlationId: text(0, 128).optional(),
    path: text(0, 2048).optional(),
    referer: text(0, 2048).optional(),
    userId: text(0, 255).optional(),
  },
  { error: 'expected an object' },
);
const envelope = z.object(
  {
    type: z.literal(RECORD_MESSAGE_TYPE, { error: `expected "${RECORD_MESSAGE_TYPE}"` }),
    v: z.number({ error: 'expected a version number' }),
    id: text(1, 128),
    ts: whole(0),
    body: z.unknown(),
  },
  { error: 'expected an object' },
);

/** A whole message of the version this worker reads: the one definition of what is valid. */
export const recordSchema = envelope.extend({ v: z.literal(RECORD_MESSAGE_VERSION), body });

/**
 * `recordSchema` compiled by Ajv, for the fast path of decodeRecord. One difference: Ajv counts string
 * lengths in code points, zod in UTF-16 code units, so a text of astral characters (emoji) may be up to
 * twice as long here — the databases' columns count characters too, so it still fits.
 */
let compiledCheck: ((data: unknown) => data is RecordEnvelope) | undefined;
/** Compiled at the first message: apps that only send never pay for it. */
function isCurrentRecord(data: unknown): data is RecordEnvelope {
  compiledCheck ??= new Ajv2020().compile<RecordEnvelope>(z.toJSONSchema(recordSchema, { io: 'input' }));
  return compiledCheck(data);
}

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

/**
 * Parses and validates a message; throws PoisonMessageError saying what is wrong with it. A valid
 * message takes the fast path: one compiled check, and its parsed body becomes the metrics, uncopied.
 * The worker decodes every message it receives, and zod's parse, which copies, was a fifth of its time.
 * Only a message the check refuses goes through zod, for the message of the error.
 */
export function decodeRecord(raw: string): RequestMetrics {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new PoisonMessageError(`not JSON: ${(error as Error).message}`);
  }
  if (isCurrentRecord(parsed)) return Object.assign(parsed.body, { id: parsed.id, ts: parsed.ts });
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
  return error.issues
    .map((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => `${key}: unknown field`).join('; ')
        : `${issue.path.join('.') || '(message)'}: ${issue.message}`,
    )
    .join('; ');
}
