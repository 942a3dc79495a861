/**
 * Resolves once `condition` holds, checking every `intervalMs`; rejects after `timeoutMs`, a deadline that
 * only guards against a hang. Waiting for the event itself, not for a time it usually takes.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 60_000, intervalMs = 20, what = 'the condition' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
