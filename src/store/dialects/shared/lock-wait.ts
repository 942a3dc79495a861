/** Longest wait for a lock the database reports busy (SQLite's write lock, a deadlock's victim). */
export const LOCK_WAIT_MS = 5000;

/**
 * Runs `work`, and again after a short pause (2 ms, doubling up to 50 ms, with jitter) while the error it
 * throws is one that `busy` says will pass, for LOCK_WAIT_MS at most; then the last error goes up. The
 * pauses are timers, so the rest of the process (another flow of it may hold the lock) runs meanwhile.
 */
export async function waitingWhileBusy<T>(
  work: () => Promise<T>,
  busy: (error: unknown) => boolean,
): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let pause = 2; ; pause = Math.min(2 * pause, 50)) {
    try {
      return await work();
    } catch (error) {
      if (!busy(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
    }
  }
}
