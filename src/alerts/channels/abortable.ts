/**
 * `work`'s outcome, or a rejection with the signal's reason as soon as `signal` aborts, whichever comes
 * first. For work that takes no signal: it goes on in the background, only the wait for it ends.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    // Settled after an abort, `work` still has its handlers: a late rejection is not an unhandled one.
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
