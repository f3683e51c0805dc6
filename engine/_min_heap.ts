/**
 * A plain binary min-heap for the operator's own queues (buffered events, window deadlines),
 * where, unlike the NFA's run queues, no Java ordering has to be reproduced.
 *
 * @module
 */

/** A min-heap ordered by `compare`. */
export class MinHeap<T> {
  readonly #compare: (a: T, b: T) => number;
  readonly #items: T[] = [];

  /** @param compare negative when `a` comes first */
  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  /** Number of elements. */
  get size(): number {
    return this.#items.length;
  }

  /** The smallest element, or `undefined`. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an element. */
  push(item: T): void {
    const items = this.#items;
    let k = items.length;
    items.push(item);
    while (k > 0) {
      const parent = (k - 1) >>> 1;
      if (this.#compare(item, items[parent]!) >= 0) break;
      items[k] = items[parent]!;
      k = parent;
    }
    items[k] = item;
  }

  /** Removes every element `drop` accepts, and returns how many. */
  removeIf(drop: (item: T) => boolean): number {
    const kept = this.#items.filter((item) => !drop(item));
    const removed = this.#items.length - kept.length;
    if (removed === 0) return 0;
    this.#items.length = 0;
    for (const item of kept) this.push(item);
    return removed;
  }

  /** The elements in no particular order. */
  values(): readonly T[] {
    return this.#items;
  }

  /** Removes and returns the smallest element. */
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      let k = 0;
      const n = items.length;
      while (true) {
        let child = 2 * k + 1;
        if (child >= n) break;
        if (child + 1 < n && this.#compare(items[child + 1]!, items[child]!) < 0) child++;
        if (this.#compare(last, items[child]!) <= 0) break;
        items[k] = items[child]!;
        k = child;
      }
      items[k] = last;
    }
    return top;
  }
}
