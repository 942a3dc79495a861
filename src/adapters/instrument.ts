import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActiveRequest, FinishedRequest, Recorder } from '../core/recorder.js';
import { runInScope } from '../core/scope.js';
import { addServerTiming } from './server-timing.js';
import { headersGiven, headerValue } from './write-head.js';

/**
 * What an adapter tells `instrument` about its framework's requests, read when the response ends. One
 * object per adapter (or per app), not per request: it reads what it needs from the request it is given.
 */
export interface RequestDescription<Request> {
  /** Route template, or undefined when no route matched. */
  route(request: Request): string | undefined;
  /** Path with query string, as the client sent it. */
  url(request: Request): string;
}

/**
 * Records one request of a node:http server, whatever framework sits on it. It opens the request scope,
 * runs `proceed` inside it, and in synchronous mode holds the end of the response until the metrics are
 * stored — the promise that a client who has its response finds its request in the database.
 * `request` is the framework's request object: `describe` reads it, and `getUser` is handed it.
 */
export function instrument<Request, T>(
  recorder: Recorder,
  req: IncomingMessage,
  res: ServerResponse,
  describe: RequestDescription<Request>,
  request: Request,
  proceed: () => T,
): T {
  const active = recorder.begin(req.headers[recorder.requestIdHeader]);
  if (!active) return proceed();
  const finished = new RecordedResponse(recorder, active, req, res, describe, request);
  if (recorder.serverTiming)
    addServerTiming(recorder, res, active, () => !recorder.ignores(finished.method, finished.route()));
  if (recorder.holdsResponse) holdUntilStored(recorder, active, finished, res);
  else {
    // Asynchronous mode: the metrics are handed on once the response has been sent, never before. One
    // listener for every response ('finish' comes once), which finds its request on the response.
    (res as RecordingResponse)[RECORDING] = finished;
    res.on('finish', handOn);
  }
  return recorder.tracksQueries ? runInScope(active, proceed) : proceed();
}

/**
 * Holds what would complete the response — its `end()`, or the write that brings the body to its
 * Content-Length, after which a client has it all — until the metrics are stored; what comes after it
 * is sent after it, in order. What end() or write() would have thrown to its caller cannot reach it any
 * more; it ends the response instead.
 */
function holdUntilStored(
  recorder: Recorder,
  active: ActiveRequest,
  finished: FinishedRequest,
  res: ServerResponse,
) {
  const { end, write, writeHead } = res;
  let held: Promise<unknown> | undefined;
  let written = 0;
  let contentLength = Number.NaN;
  res.writeHead = function writeHeadNoted(this: ServerResponse, ...args: unknown[]) {
    const headers = headersGiven(args);
    contentLength = Number(headers && headerValue(headers, 'content-length'));
    return writeHead.apply(this, args as Parameters<typeof writeHead>);
  } as typeof res.writeHead;
  /** True when `send` now waits for the store; false when the request is not recorded after all. */
  const holding = (send: () => unknown): boolean => {
    if (!held) {
      const recorded = recorder.finish(active, finished);
      if (!recorded) {
        res.end = end;
        res.write = write;
        return false;
      }
      held = recorded;
    }
    held = held.then(send).catch((error: Error) => res.destroy(error));
    return true;
  };
  res.end = function endAfterRecording(this: ServerResponse, ...args: unknown[]) {
    const endNow = () => end.apply(this, args as Parameters<typeof end>);
    return holding(endNow) ? this : endNow();
  } as typeof res.end;
  res.write = function writeAfterRecording(this: ServerResponse, ...args: unknown[]) {
    const writeNow = () => write.apply(this, args as Parameters<typeof write>);
    if (!held) {
      written += byteLength(args[0], args[1]);
      const length = Number(res.getHeader('content-length') ?? contentLength);
      if (!(written >= length)) return writeNow();
    }
    return holding(writeNow) || writeNow();
  } as typeof res.write;
}

function byteLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string')
    return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}

const RECORDING = Symbol('routeperf.recording');

/** A response of asynchronous mode, with the request it ends. */
interface RecordingResponse extends ServerResponse {
  [RECORDING]?: RecordedResponse<unknown>;
}

function handOn(this: RecordingResponse) {
  const recording = this[RECORDING];
  if (!recording) return;
  this[RECORDING] = undefined;
  recording.finish();
}

/**
 * What the recorder reads of a request once its response is complete, read from the request itself;
 * with the recorder and the request's scope, it is all that a response being recorded carries.
 */
class RecordedResponse<Request> implements FinishedRequest {
  constructor(
    private readonly recorder: Recorder,
    private readonly active: ActiveRequest,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly describe: RequestDescription<Request>,
    readonly request: Request,
  ) {}

  /** Hands the request to the recorder (asynchronous mode, once the response is sent). */
  finish(): void {
    this.recorder.finish(this.active, this);
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  route(): string | undefined {
    return this.describe.route(this.request);
  }

  get statusCode(): number {
    return this.res.statusCode;
  }

  get url(): string {
    return this.describe.url(this.request);
  }

  get referer(): string | undefined {
    return this.req.headers.referer;
  }
}
