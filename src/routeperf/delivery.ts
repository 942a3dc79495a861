import type { Transport } from '../bus/transport.js';
import { openTransport, recordTransportDsn, retryFor } from '../bus/transports/index.js';
import { MemoryTransport } from '../bus/transports/memory/index.js';
import type { ResolvedConfig } from '../config/types.js';
import type { MetricsSink } from '../core/recorder.js';
import { redactDsn } from '../dsn.js';
import type { ErrorLog } from '../logger.js';
import type { DirectWrites } from './direct-writes.js';
import { InProcess } from './in-process.js';
import type { RecordingMode } from './recording-mode.js';
import { Sending } from './sending.js';
import type { Counting } from './stats.js';
import type { Stores } from './stores.js';

/** Where the recorder hands accepted metrics, in the recording mode in effect. */
export interface Delivery extends Counting {
  readonly sink: MetricsSink;
  /** True when metrics wait in this process, which SIGTERM and SIGINT must send or store first. */
  readonly flushesOnExit: boolean;
  /** True when this process stores every request itself (synchronous mode, sync://, memory://). */
  readonly storesHere: boolean;
  /** Sends or stores what it holds, then releases the transport. */
  close(): Promise<void>;
}

export interface DeliveryParts {
  config: ResolvedConfig;
  mode: RecordingMode;
  stores: Stores;
  directWrites: DirectWrites;
  logError: ErrorLog;
}

/**
 * Synchronous mode: the store, before the response ends, within `syncTimeout`. `sync://`: the store,
 * after the response. Asynchronous mode: a producer over the transport, and for memory:// a worker in
 * this process that stores what it sends.
 */
export async function openDelivery(parts: DeliveryParts): Promise<Delivery> {
  const { config, mode, stores, directWrites, logError } = parts;
  if (!mode.async) return directly((metrics) => directWrites.storeBeforeResponse(metrics));
  if (mode.transport === 'sync://') {
    return directly((metrics) => {
      void directWrites.storeDirectly(metrics);
      return undefined;
    });
  }
  const dsn = recordTransportDsn(config);
  const transportName = redactDsn(dsn);
  const transport = await openTransport(dsn, {
    database: config.database,
    tablePrefix: config.tablePrefix,
    consumerName: `producer-${process.pid}`,
    onBackgroundError: (error) =>
      logError('transport-background', `routeperf transport ${transportName} error`, error),
  });
  const sending = { transportName, overflow: config.overflow, directWrites, logError };
  if (transport instanceof MemoryTransport) {
    const { sink, failures } = stores;
    return new InProcess(transport, {
      ...sending,
      sink,
      failures,
      retry: retryFor(config, dsn),
      logger: config.logger,
    });
  }
  return sendingOver(transport, new Sending({ ...sending, transport, bufferSize: config.bufferSize }));
}

/** Writes in this process, counted by DirectWrites: nothing is held here. */
function directly(sink: MetricsSink): Delivery {
  return { sink, flushesOnExit: false, storesHere: true, stats: () => ({}), close: async () => {} };
}

function sendingOver(transport: Transport, sending: Sending): Delivery {
  return {
    sink: sending.sink,
    flushesOnExit: true,
    storesHere: false,
    stats: () => sending.stats(),
    close: async () => {
      await sending.close();
      await transport.close();
    },
  };
}
