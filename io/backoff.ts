/**
 * Exponential backoff with full jitter, shared by every retry loop at the job's edges.
 *
 * @module
 */

/** Options for {@link backoffDelay}. */
export interface BackoffOptions {
  /** First delay in milliseconds; default 200. */
  readonly minDelayMs?: number;
  /** Upper bound in milliseconds; default 30 000. */
  readonly maxDelayMs?: number;
  /** Source of randomness in [0, 1); injected by tests. */
  readonly random?: () => number;
}

/**
 * The delay before retry number `attempt` (0-based).
 * @param attempt how many attempts have failed so far, minus one
 * @param options bounds and randomness
 * @returns milliseconds to wait
 * @throws {RangeError} if `attempt` is negative or the bounds are inverted
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const min = options.minDelayMs ?? 200;
  const max = options.maxDelayMs ?? 30_000;
  if (attempt < 0 || !Number.isInteger(attempt)) {
    throw new RangeError(`Cannot compute backoff: attempt "${attempt}" is not a whole number >= 0`);
  }
  if (min <= 0 || max < min) {
    throw new RangeError(`Cannot compute backoff: bounds "${min}".."${max}" are invalid`);
  }
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
  const random = options.random ?? Math.random;
  return Math.max(min, Math.round(ceiling * random()));
}

/**
 * Resolves after `ms`, or rejects with the signal's reason when aborted first.
 * @param ms milliseconds to wait
 * @param signal cancels the wait
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
