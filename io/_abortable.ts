/**
 * Stops waiting for work that cannot itself be cancelled.
 *
 * @module
 */

/**
 * Settles like `promise`, or rejects with the signal's reason when the signal aborts first. The
 * work goes on unobserved (a read of stdin or a query in flight cannot be cancelled), so its
 * eventual rejection is silenced rather than left unhandled.
 * @param promise the work to wait for
 * @param signal stops the wait
 * @returns the work's value
 * @throws the work's error, or the signal's reason if it aborts first
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => {
    signal.removeEventListener("abort", onAbort);
  });
}
