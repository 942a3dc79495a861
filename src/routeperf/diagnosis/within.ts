/** Longest any one check waits: a database or broker that hangs is a finding, not a reason to hang. */
const CHECK_TIMEOUT_MS = 10_000;

/** `promise`, or a rejection saying that `what` did not answer in time. */
export function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS / 1000} s`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
