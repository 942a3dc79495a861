import { tracingChannel } from 'node:diagnostics_channel';
import { endQuery, type StartedQuery, startQuery } from '../../core/scope.js';
import type { Method } from '../replace-method.js';
import { shapeSource, type TrackerOptions } from '../tracker.js';

/** The tracing channels on which mysql2 (3.20 and later) publishes each `query` and `execute`. */
const CHANNELS = ['mysql2:query', 'mysql2:execute'] as const;

/** What mysql2 publishes about a query; `query` is its SQL. */
interface QueryTrace {
  query?: unknown;
}

/** A mysql2 command (a query or an execute): an event emitter, with its callback if it has one. */
interface Command {
  onResult?: unknown;
  prependOnceListener(event: string, listener: () => void): unknown;
}

/**
 * A query mysql2 is publishing: between the `start` and `end` of its call, the connection adds its
 * command. Calls nest only when a callback mysql2 runs at once issues another query.
 */
interface Issuing {
  trace: QueryTrace;
  command?: Command;
  outer: Issuing | undefined;
}

/** The options of the latest `trackMysql2` call: channels and classes are shared by every caller. */
let currentOptions: TrackerOptions | undefined;
let subscribed = false;
/**
 * How many queries mysql2 has published on its channels. A connection's `query` or `execute` that leaves it
 * unchanged ran on a mysql2 that publishes nothing (before 3.20), so its wrapper counts the query instead.
 */
let published = 0;
const running = new WeakMap<object, StartedQuery>();
let issuing: Issuing | undefined;

/** Counts, from now on, every query mysql2 publishes; idempotent. The latest options apply. */
export function countPublishedQueries(options: TrackerOptions | undefined): void {
  currentOptions = options;
  if (subscribed) return;
  subscribed = true;
  for (const name of CHANNELS) {
    const channel = tracingChannel(name);
    channel.start.subscribe(start);
    channel.end.subscribe(issued);
    // A callback's query ends at `asyncStart`, before the callback runs; one that fails has `error`
    // first, and a call that throws has `error` alone. An event emitter's ends at its `end` event.
    channel.asyncStart.subscribe(finish);
    channel.error.subscribe(finish);
  }
}

function start(trace: unknown): void {
  if (!isTrace(trace)) return;
  published += 1;
  const started = startQuery(shapeSource(currentOptions, textOf(trace.query)));
  if (started) running.set(trace, started);
  issuing = { trace, outer: issuing };
}

/**
 * What a connection's `addCommand` adds while a query is published is that query's command (the last
 * one: an execute adds its prepare first).
 */
export function noteCommand(command: unknown): void {
  if (issuing && isCommand(command)) issuing.command = command;
}

/**
 * The call that published `trace` returns. mysql2 publishes the end of an event emitter's query a
 * microtask after its `end` event, when an app may have answered its request already: its command's
 * `end` ends it, ahead of the app's listeners.
 */
function issued(trace: unknown): void {
  if (!issuing || issuing.trace !== trace) return;
  const { command, outer } = issuing;
  issuing = outer;
  if (command && running.has(trace)) command.prependOnceListener('end', () => finish(trace));
}

function finish(trace: unknown): void {
  if (!isTrace(trace)) return;
  const started = running.get(trace);
  if (!started) return;
  running.delete(trace);
  endQuery(started);
}

const textOf = (sql: unknown) => (typeof sql === 'string' ? sql : undefined);

/**
 * Wraps a method that issues a command (a connection's `query` or `execute`, a prepared statement's
 * `execute`). On a mysql2 that publishes its calls on the channels, the wrapper only learns so at the
 * first call. On one that does not (mysql2 before 3.20), it counts each call itself, with the SQL `sqlOf`
 * finds, from just before the command is sent until it ends (its callback runs, or it emits `end`).
 */
export function countingUnpublished(sqlOf: (issuer: unknown, args: unknown[]) => unknown) {
  return (original: Method): Method => {
    let publishes: boolean | undefined;
    return function (this: unknown, ...args: unknown[]) {
      const shape = () => shapeSource(currentOptions, textOf(sqlOf(this, args)));
      if (publishes !== false) {
        const before = published;
        const command = original.apply(this, args);
        publishes = published !== before;
        // The first call of a mysql2 that publishes nothing is counted once it is sent.
        if (!publishes) endWith(command, startQuery(shape()));
        return command;
      }
      const started = startQuery(shape());
      try {
        const command = original.apply(this, args);
        endWith(command, started);
        return command;
      } catch (error) {
        endQuery(started);
        throw error;
      }
    };
  };
}

function endWith(command: unknown, started: StartedQuery | undefined): void {
  if (!started || !isCommand(command)) return;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    endQuery(started);
  };
  command.prependOnceListener('end', end);
  const onResult = command.onResult;
  // A command that fails with its connection gets its callback and no `end`.
  if (typeof onResult === 'function')
    command.onResult = function (this: unknown, ...results: unknown[]) {
      end();
      return onResult.apply(this, results);
    };
}

const isTrace = (value: unknown): value is QueryTrace => typeof value === 'object' && value !== null;

const isCommand = (value: unknown): value is Command =>
  typeof value === 'object' && value !== null && typeof (value as Command).prependOnceListener === 'function';
