/**
 * Waiting in io tests, which watch real servers and so cannot use an injected clock: each wait
 * is bounded, so a broken test fails with a message instead of hanging.
 *
 * @module
 */

/**
 * Polls `condition` every 20 ms until it holds.
 * @param condition what to wait for; it may be asynchronous
 * @param what the condition in words, for the failure message
 * @param timeoutMs how long to wait; default 10 s
 * @throws {Error} if the condition still fails after `timeoutMs`
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  for (let waited = 0; !await condition(); waited += 20) {
    if (waited > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Waits for `promise`, but no longer than `ms`; the timer is cleared either way, so that Deno's
 * leak check stays quiet.
 * @param promise what to wait for
 * @param ms how long to wait; 0 or less tells whether it has already settled
 * @returns the promise's value, or "timeout" if it has not settled in time
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), Math.max(ms, 0));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
