/**
 * A binary heap with the exact behaviour of `java.util.PriorityQueue` (JDK 11+): iteration in
 * array order, ties broken by heap position, bulk removal by compaction and re-heapify. Flink
 * keeps runs in such queues, and the order of runs that tie decides which match an after-match
 * skip strategy keeps, so the engine reproduces the JDK's order instead of using a sorted list.
 *
 * @module
 */

/** Flink: the `PriorityQueue<ComputationState>` of `NFAState`. */
export class PriorityQueue<T> implements Iterable<T> {
  readonly #compare: (a: T, b: T) => number;
  #items: T[] = [];

  /** @param compare the comparator, as Java's `Comparator#compare` */
  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  /** Number of elements. */
  get size(): number {
    return this.#items.length;
  }

  /** `PriorityQueue#offer`: sift up from the end. */
  add(item: T): void {
    const items = this.#items;
    let k = items.length;
    items.push(item);
    while (k > 0) {
      const parent = (k - 1) >>> 1;
      const e = items[parent]!;
      if (this.#compare(item, e) >= 0) break;
      items[k] = e;
      k = parent;
    }
    items[k] = item;
  }

  /** `PriorityQueue#peek`. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** `PriorityQueue#poll`. */
  poll(): T | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const result = items[0];
    const last = items.pop()!;
    if (items.length > 0) this.#siftDown(0, last);
    return result;
  }

  /** Empties the queue, keeping its storage for reuse. */
  clear(): void {
    this.#items.length = 0;
  }

  /** `PriorityQueue#removeIf` / `removeAll`: compact survivors in order, then heapify. */
  removeIf(predicate: (item: T) => boolean): boolean {
    const items = this.#items;
    const survivors = items.filter((item) => !predicate(item));
    if (survivors.length === items.length) return false;
    this.#items = survivors;
    for (let i = (survivors.length >>> 1) - 1; i >= 0; i--) this.#siftDown(i, survivors[i]!);
    return true;
  }

  /** Iterates in heap array order, as Java's iterator does. */
  [Symbol.iterator](): Iterator<T> {
    return this.#items[Symbol.iterator]();
  }

  #siftDown(start: number, item: T): void {
    const items = this.#items;
    const n = items.length;
    const half = n >>> 1;
    let k = start;
    while (k < half) {
      let child = (k << 1) + 1;
      let c = items[child]!;
      const right = child + 1;
      if (right < n && this.#compare(c, items[right]!) > 0) c = items[child = right]!;
      if (this.#compare(item, c) <= 0) break;
      items[k] = c;
      k = child;
    }
    items[k] = item;
  }
}
