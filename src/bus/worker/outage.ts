import { type ErrorCause, isOutageCause } from '../../errors.js';

/** The sink or the transport: each reads its own errors. */
export interface CauseReader {
  causeOf(error: unknown): ErrorCause;
}

/**
 * An error that means the sink or the transport is unavailable, not that the work is wrong. The batch
 * handler meets errors from both, and each reads only its own, so the call site marks an outage; the
 * handler then keeps the whole batch and tries it again after a backoff.
 */
export class Outage extends Error {
  override readonly name = 'Outage';

  constructor(readonly error: unknown) {
    super((error as Error)?.message ?? String(error));
  }
}

/** Runs `call`; an error that `source` reads as an outage comes out as an Outage, any other as it is. */
export async function markingOutages<T>(source: CauseReader, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw isOutageCause(source.causeOf(error)) ? new Outage(error) : error;
  }
}
