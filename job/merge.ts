/**
 * Merges async iterables into one, in arrival order. Flink wires sources and the rule discoverer
 * with threads; here one loop reads all of them, so the operator is never touched concurrently.
 * Std: `async/mux_async_iterator.ts` (unreachable here, so a small equivalent).
 *
 * @module
 */

/** Options for {@link merge}. */
export interface MergeOptions {
  /** Ends the merged iteration at once, even while every input is waiting. */
  readonly signal?: AbortSignal;
}

type Arrival<T> =
  | { readonly index: number; readonly result: IteratorResult<T> }
  | { readonly index: number; readonly error: unknown };

/**
 * Yields items from every iterable as they arrive; ends when all have ended or the signal
 * aborts, and throws what an input throws. Returning early (break) closes every iterator.
 *
 * Each input has at most one `next()` in flight, with one reaction on it, and arrivals wait in a
 * queue: nothing is retained per item, unlike a `Promise.race` over a promise that stays pending
 * (each race leaves a reaction on every promise it was given).
 * @param iterables the inputs
 * @param options cancellation
 */
export async function* merge<T>(
  iterables: readonly AsyncIterable<T>[],
  options: MergeOptions = {},
): AsyncGenerator<T> {
  const { signal } = options;
  const iterators = iterables.map((it) => it[Symbol.asyncIterator]());
  const arrivals: Arrival<T>[] = [];
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const pull = (index: number) => {
    iterators[index]!.next().then(
      (result) => {
        arrivals.push({ index, result });
        notify();
      },
      (error) => {
        arrivals.push({ index, error });
        notify();
      },
    );
  };
  signal?.addEventListener("abort", notify);
  const ended = new Set<number>();
  try {
    iterators.forEach((_, i) => pull(i));
    while (ended.size < iterators.length && !signal?.aborted) {
      const arrival = arrivals.shift();
      if (arrival === undefined) {
        await new Promise<void>((resolve) => wake = resolve);
        continue;
      }
      if ("error" in arrival) {
        ended.add(arrival.index);
        throw arrival.error;
      }
      if (arrival.result.done) {
        ended.add(arrival.index);
        continue;
      }
      pull(arrival.index);
      yield arrival.result.value;
    }
  } finally {
    signal?.removeEventListener("abort", notify);
    // An iterator still waiting in next() may not settle return() until it yields (a source
    // waiting for records), so do not wait for those.
    for (const [i, it] of iterators.entries()) if (!ended.has(i)) it.return?.()?.catch(() => {});
  }
}

/**
 * Yields `undefined` every `ms` until the signal aborts.
 * @param ms the period
 * @param signal stops the ticks
 */
export async function* ticks(ms: number, signal: AbortSignal): AsyncGenerator<void> {
  let wake: (() => void) | null = null;
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      if (signal.aborted) return;
      yield;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
