/** A part of routeperf that holds something (a connection, metrics, a signal handler) until it closes. */
export interface Closable {
  close(): unknown;
}

/**
 * routeperf's close(): closes `parts` one after the other, in the order given, so that each one can still
 * hand what it holds to the parts after it. It runs once, however often and from wherever it is called
 * (the app, an adapter, an exit signal).
 */
export function closeInOrder(parts: readonly Closable[]): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      for (const part of parts) await part.close();
    })();
    return closing;
  };
}
