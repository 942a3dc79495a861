import type { Logger } from '../../logger.js';
import type { ReceivedMessage } from '../transport.js';
import type { BatchHandler } from './batch-handler.js';
import type { Heartbeat } from './heartbeat.js';
import type { Limits } from './limits.js';
import type { Printer } from './printer.js';
import type { Receiver } from './receiver.js';
import type { Clock, StopReason, StopState, WorkerProgress } from './state.js';

export interface WorkerSummary {
  reason: StopReason;
  handled: number;
  failed: number;
  batches: number;
}

export interface ReceiveLoopParts {
  receiver: Receiver;
  batches: BatchHandler;
  heartbeat: Heartbeat;
  limits: Limits;
  printer: Printer;
  stop: StopState;
  progress: WorkerProgress;
  /** Messages received per batch at most. */
  batchSize: number;
  /** Batches stored at the same time. */
  concurrency: number;
  logger?: Logger;
  clock?: Clock;
}

/**
 * The order of things, and the only part that knows it: beat when due, check the limits, receive a batch
 * and hand it over, print, until a limit, a stop or an error. With `concurrency` 2 the next batch is
 * received and decoded while the previous one commits; a stop lets the batches in hand finish first.
 */
export class ReceiveLoop {
  constructor(private readonly parts: ReceiveLoopParts) {}

  /** Rejects with the error that stopped the worker, after logging it. */
  async run(): Promise<WorkerSummary> {
    const { stop, progress, heartbeat } = this.parts;
    try {
      await this.#receiveUntilStopped();
    } catch (error) {
      this.parts.logger?.error(`routeperf worker stopped on an error: ${(error as Error).message}`);
      stop.request('error');
      throw error;
    } finally {
      await heartbeat.signOff();
    }
    const { handled, failed, batches } = progress;
    // Without a stop reason the loop ended because --limit messages were received.
    return { reason: stop.reason ?? 'limit', handled, failed, batches };
  }

  async #receiveUntilStopped() {
    const { receiver, heartbeat, limits, printer, stop, batchSize, concurrency } = this.parts;
    const inHand = new Set<Promise<void>>();
    let batchError: unknown;
    let received = 0;
    while (!stop.reason && batchError === undefined) {
      await heartbeat.beatIfDue();
      limits.check();
      const wanted = Math.min(batchSize, limits.receivable(received));
      if (stop.reason || wanted <= 0) break;
      const messages = await receiver.receive(wanted);
      received += messages.length;
      if (messages.length > 0) {
        const batch = this.#handle(messages).catch((error: unknown) => {
          batchError ??= error;
        });
        inHand.add(batch);
        void batch.finally(() => inHand.delete(batch));
        if (inHand.size >= concurrency) await Promise.race(inHand);
      }
      await printer.intervalIfDue();
      limits.check();
    }
    await Promise.all(inHand);
    if (batchError !== undefined) throw batchError;
    // A batch that finished meanwhile may have reached a limit: the summary names it.
    limits.check();
  }

  async #handle(messages: ReceivedMessage[]) {
    const { batches, progress, printer, clock = Date.now } = this.parts;
    const started = performance.now();
    const tally = await batches.handle(messages);
    if (!tally) return;
    progress.batches += 1;
    progress.lastBatchAt = clock();
    printer.batch(messages.length, tally, performance.now() - started);
  }
}
