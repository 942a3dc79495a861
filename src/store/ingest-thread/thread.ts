/**
 * The ingest thread: owns a Store of its own on the app's SQLite file and writes what the app's thread
 * hands it, so that SQLite's synchronous writes never run on the app's event loop. Started by IngestThread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Store } from '../store.js';
import { type ThreadReply, type ThreadRequest, type ThreadStoreOptions, threadFailure } from './messages.js';

const port = parentPort!;
const reply = (message: ThreadReply) => port.postMessage(message);
const store: Store = new Store({
  ...(workerData as ThreadStoreOptions),
  onBackgroundError: (error) =>
    reply({ kind: 'background-error', failure: threadFailure(error, store.causeOf(error)) }),
});
const writes = new Set<Promise<void>>();

port.on('message', (request: ThreadRequest) => {
  if (request.kind === 'maintain') store.maintain();
  else if (request.kind === 'ingest') {
    const write = store.ingest(request.batch, { dedupe: request.dedupe }).then(
      (summary) => reply({ kind: 'done', id: request.id, summary }),
      (error: unknown) =>
        reply({ kind: 'done', id: request.id, failure: threadFailure(error, store.causeOf(error)) }),
    );
    writes.add(write);
    void write.finally(() => writes.delete(write));
  } else void close(request.id);
});

reply({ kind: 'ready' });

/** Finishes the writes in flight and the upkeep, closes the database, then lets the thread end. */
async function close(id: number) {
  try {
    await Promise.all(writes);
    await store.close();
    reply({ kind: 'done', id });
  } catch (error) {
    reply({ kind: 'done', id, failure: threadFailure(error, store.causeOf(error)) });
  } finally {
    port.close();
  }
}
