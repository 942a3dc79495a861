import type { ServerResponse } from 'node:http';
import type { Recorder } from '../core/recorder.js';
import type { RequestScope } from '../core/scope.js';
import { type HeadersArgument, headersIndex, nameIndexes } from './write-head.js';

const SERVER_TIMING = 'server-timing';
const TIMING_ALLOW_ORIGIN = 'timing-allow-origin';

/**
 * Adds `Server-Timing` (and `Timing-Allow-Origin`) to `res` just before its headers go out: node calls
 * `writeHead` itself on the first write or end, so wrapping it on this response alone catches every way an
 * app or framework sends headers. `isRecorded` tells, at that moment, whether the request is recorded at all.
 * Whatever goes wrong here leaves the response as the app made it.
 */
export function addServerTiming(
  recorder: Recorder,
  res: ServerResponse,
  scope: RequestScope,
  isRecorded: () => boolean,
): void {
  const writeHead = res.writeHead;
  res.writeHead = function writeHeadWithTiming(this: ServerResponse, ...args: unknown[]) {
    res.writeHead = writeHead;
    let headed = args;
    try {
      if (isRecorded()) headed = withTiming(this, args, recorder, timingOf(recorder, scope));
    } catch {
      // A route lookup of the app's (`routeOf`) threw, say: the response goes out as the app made it.
      headed = args;
    }
    return writeHead.apply(this, headed as Parameters<typeof writeHead>);
  } as typeof res.writeHead;
}

/** `app;dur=…` and, when queries are tracked, `db;dur=…;desc="N queries"`, in milliseconds. */
function timingOf(recorder: Recorder, scope: RequestScope): string {
  const app = `app;dur=${(performance.now() - scope.startedAt).toFixed(1)}`;
  if (!recorder.tracksQueries) return app;
  return `${app}, db;dur=${scope.queryTime.toFixed(1)};desc="${scope.queryCount} queries"`;
}

/**
 * The arguments of `writeHead` with our headers added. Headers passed to `writeHead` win over those set
 * before, so an app's own Server-Timing is looked for there first, then among the headers already set.
 */
function withTiming(res: ServerResponse, args: unknown[], recorder: Recorder, timing: string): unknown[] {
  const at = headersIndex(args);
  const given = args[at] as HeadersArgument | undefined;
  const passes = (name: string) => given !== undefined && hasHeader(given, name);
  let headed = args;
  if (given && passes(SERVER_TIMING)) {
    const headers = appendTo(given, timing);
    headed = args.map((arg, index) => (index === at ? headers : arg));
  } else {
    const own = res.getHeader(SERVER_TIMING);
    res.setHeader(SERVER_TIMING, own === undefined ? timing : `${String(own)}, ${timing}`);
  }
  const origin = recorder.timingAllowOrigin;
  if (origin !== undefined && !res.hasHeader(TIMING_ALLOW_ORIGIN) && !passes(TIMING_ALLOW_ORIGIN))
    res.setHeader(TIMING_ALLOW_ORIGIN, origin);
  return headed;
}

function hasHeader(headers: HeadersArgument, name: string): boolean {
  return nameIndexes(headers, name).length > 0;
}

/** A copy of `headers` whose (last) Server-Timing value ends with `timing`. */
function appendTo(headers: HeadersArgument, timing: string): HeadersArgument {
  const at = nameIndexes(headers, SERVER_TIMING).at(-1)!;
  if (Array.isArray(headers)) {
    const copy = [...headers];
    copy[(at as number) + 1] = `${String(copy[(at as number) + 1])}, ${timing}`;
    return copy;
  }
  return { ...headers, [at]: `${String(headers[at as string])}, ${timing}` };
}
