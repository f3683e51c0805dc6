/**
 * Merges async iterables into one, in arrival order. Flink wires sources and the rule discoverer
 * with threads; here one loop reads all of them, so the operator is never touched concurrently.
 * Std: `async/mux_async_iterator.ts` (unreachable here, so a small equivalent).
 *
 * @module
 */

/**
 * Yields items from every iterable as they arrive; ends when all have ended. Returning early
 * (break) closes every iterator.
 * @param iterables the inputs
 */
export async function* merge<T>(iterables: readonly AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = iterables.map((it) => it[Symbol.asyncIterator]());
  type Next = { index: number; result: IteratorResult<T> };
  const pending = new Map<number, Promise<Next>>();
  const pull = (index: number) =>
    pending.set(index, iterators[index]!.next().then((result) => ({ index, result })));
  iterators.forEach((_, i) => pull(i));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      pull(index);
      yield result.value;
    }
  } finally {
    await Promise.allSettled(
      iterators.map((it, i) => (pending.has(i) ? it.return?.() : undefined)),
    );
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
