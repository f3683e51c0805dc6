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

/**
 * Waits like {@link sleep}, but tells the outcome instead of rejecting, for loops that simply
 * end when aborted.
 * @param ms milliseconds to wait
 * @param signal cancels the wait
 * @returns true if the wait ran its course, false if the signal aborted it
 */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Thrown by {@link retryTransient} when its signal aborts before the operation succeeded.
 * `cause` is the last failure, or undefined if there was none yet.
 */
export class RetryAbortedError extends Error {
  /**
   * Creates the error.
   * @param options the last failure as `cause`
   */
  constructor(options: ErrorOptions = {}) {
    super("Retrying was aborted", options);
    this.name = "RetryAbortedError";
  }
}

/** Options for {@link retryTransient}. */
export interface RetryTransientOptions {
  /** Ends the retries: no attempt starts and no wait lasts after it aborts. */
  readonly signal: AbortSignal;
  /** Bounds of the wait between attempts; see {@link backoffDelay}. */
  readonly backoff?: BackoffOptions;
  /** Whether a failure is worth another attempt; default every failure. */
  readonly isTransient?: (error: unknown) => boolean;
  /** Called after each transient failure, before the wait: to count, log or reconnect. */
  readonly onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Runs `operation` until it succeeds, waiting with backoff after each transient failure. There
 * is no attempt limit: the job's edges retry an outage for as long as it lasts, until aborted.
 *
 * Std: `async/retry.ts`, with a signal instead of `maxAttempts` and a transient-error filter.
 *
 * @param operation one attempt; it may throw synchronously
 * @param options signal, backoff bounds, error filter and retry callback
 * @returns the operation's value and how many attempts it took (1 if the first succeeded)
 * @throws the first failure that is not transient, as is
 * @throws {RetryAbortedError} if the signal aborts before an attempt succeeds
 */
export async function retryTransient<T>(
  operation: () => T | Promise<T>,
  options: RetryTransientOptions,
): Promise<{ value: T; attempts: number }> {
  const { signal } = options;
  let lastError: unknown;
  for (let attempt = 0;; attempt++) {
    if (signal.aborted) throw new RetryAbortedError({ cause: lastError });
    try {
      return { value: await operation(), attempts: attempt + 1 };
    } catch (error) {
      if (options.isTransient !== undefined && !options.isTransient(error)) throw error;
      // Once aborted, a failure is no outage to count or report: the abort may well be its cause.
      if (signal.aborted) throw new RetryAbortedError({ cause: error });
      lastError = error;
      options.onRetry?.(error, attempt);
    }
    const delay = backoffDelay(Math.min(attempt, 30), options.backoff);
    if (!await pause(delay, signal)) throw new RetryAbortedError({ cause: lastError });
  }
}
