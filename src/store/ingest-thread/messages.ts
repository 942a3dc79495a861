import { type ErrorCause, RouteperfError, type RouteperfErrorCode } from '../../errors.js';
import type { RequestMetrics } from '../../record/metrics.js';
import type { IngestSummary } from '../sink.js';
import type { StoreOptions } from '../store.js';

/** What the app's thread asks of the ingest thread. */
export type ThreadRequest =
  | { kind: 'ingest'; id: number; batch: readonly RequestMetrics[]; dedupe: boolean }
  | { kind: 'maintain' }
  | { kind: 'close'; id: number };

/** What the ingest thread answers, and what it reports by itself. */
export type ThreadReply =
  | { kind: 'ready' }
  | { kind: 'done'; id: number; summary?: IngestSummary; failure?: ThreadFailure }
  | { kind: 'background-error'; failure: ThreadFailure };

/** The store's settings as they cross to the thread: all but the callback, which stays here. */
export type ThreadStoreOptions = Omit<StoreOptions, 'onBackgroundError'>;

/**
 * An error as it crosses between threads. A structured clone keeps an Error's name and message but not
 * its other properties, and the cause the store read from them (a driver's code) would be lost: the
 * thread reads the cause and sends it along.
 */
export interface ThreadFailure {
  name: string;
  message: string;
  stack: string | undefined;
  code: string | undefined;
  cause: ErrorCause;
}

export function threadFailure(error: unknown, cause: ErrorCause): ThreadFailure {
  const {
    name = 'Error',
    message = String(error),
    stack,
    code,
  } = (error ?? {}) as Partial<Error & { code: unknown }>;
  return { name, message, stack, code: typeof code === 'string' ? code : undefined, cause };
}

/** An error of the ingest thread, with the cause the store gave it there. */
export class IngestThreadError extends Error {
  readonly code: string | undefined;
  readonly storeCause: ErrorCause;

  constructor(failure: ThreadFailure) {
    super(failure.message);
    this.name = failure.name;
    this.code = failure.code;
    this.storeCause = failure.cause;
    if (failure.stack) this.stack = failure.stack;
  }
}

/** The error a failure stands for in this thread: routeperf's own errors keep their class and code. */
export function errorOf(failure: ThreadFailure): Error {
  if (failure.name !== 'RouteperfError' || !failure.code) return new IngestThreadError(failure);
  const error = new RouteperfError(failure.code as RouteperfErrorCode, failure.message);
  if (failure.stack) error.stack = failure.stack;
  return error;
}
