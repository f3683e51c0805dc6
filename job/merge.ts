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

/**
 * Yields items from every iterable as they arrive; ends when all have ended or the signal
 * aborts. Returning early (break) closes every iterator.
 * @param iterables the inputs
 * @param options cancellation
 */
export async function* merge<T>(
  iterables: readonly AsyncIterable<T>[],
  options: MergeOptions = {},
): AsyncGenerator<T> {
  const iterators = iterables.map((it) => it[Symbol.asyncIterator]());
  type Next = { index: number; result: IteratorResult<T> };
  const pending = new Map<number, Promise<Next>>();
  const aborted = new Promise<null>((resolve) => {
    if (options.signal?.aborted) resolve(null);
    options.signal?.addEventListener("abort", () => resolve(null), { once: true });
  });
  const pull = (index: number) =>
    pending.set(index, iterators[index]!.next().then((result) => ({ index, result })));
  iterators.forEach((_, i) => pull(i));
  try {
    while (pending.size > 0) {
      const next = await Promise.race([...pending.values(), aborted]);
      if (next === null) return;
      const { index, result } = next;
      if (result.done) {
        pending.delete(index);
        continue;
      }
      pull(index);
      yield result.value;
    }
  } finally {
    // An iterator still waiting in next() may not settle return() until it yields (a source
    // waiting for records), so do not wait for those.
    for (const [i, it] of iterators.entries()) if (pending.has(i)) it.return?.()?.catch(() => {});
  }
}

/**
 * Yields `undefined` every `ms` until the signal aborts.
 * @param ms the period
 * @param signal stops the ticks
 */
export async function* ticks(ms: number, signal: AbortSignal): AsyncGenerator<void> {
  while (!signal.aborted) {
    const aborted = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve(true);
      }, { once: true });
    });
    if (aborted) return;
    yield;
  }
}
