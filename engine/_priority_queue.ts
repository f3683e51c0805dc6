/**
 * A binary heap with the exact behaviour of `java.util.PriorityQueue` (JDK 11+): iteration in
 * array order, ties broken by heap position, bulk removal by compaction and re-heapify. Flink
 * keeps runs in such queues, and the order of runs that tie decides which match an after-match
 * skip strategy keeps, so the engine reproduces the JDK's order instead of using a sorted list.
 *
 * @module
 */

/**
 * Flink: the `PriorityQueue<ComputationState>` of `NFAState`. Queues are cleared and refilled on
 * every event, so the storage is kept at its largest size instead of shrinking.
 */
export class PriorityQueue<T> implements Iterable<T> {
  readonly #compare: (a: T, b: T) => number;
  #items: (T | undefined)[] = [];
  #size = 0;

  /** @param compare the comparator, as Java's `Comparator#compare` */
  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  /** Number of elements. */
  get size(): number {
    return this.#size;
  }

  /** The element at `index` in iteration (heap array) order; `index` must be below `size`. */
  at(index: number): T {
    return this.#items[index]!;
  }

  /** `PriorityQueue#offer`: sift up from the end. */
  add(item: T): void {
    const items = this.#items;
    let k = this.#size++;
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
    return this.#size === 0 ? undefined : this.#items[0];
  }

  /** `PriorityQueue#poll`. */
  poll(): T | undefined {
    if (this.#size === 0) return undefined;
    const items = this.#items;
    const result = items[0];
    const n = --this.#size;
    const last = items[n]!;
    items[n] = undefined;
    if (n > 0) this.#siftDown(0, last);
    return result;
  }

  /** Empties the queue; the storage stays for reuse, without references to the elements. */
  clear(): void {
    const items = this.#items;
    for (let i = 0; i < this.#size; i++) items[i] = undefined;
    this.#size = 0;
  }

  /** Replaces this queue's elements with `other`'s, in the same order, and empties `other`. */
  moveFrom(other: PriorityQueue<T>): void {
    this.clear();
    const items = this.#items;
    const from = other.#items;
    const n = other.#size;
    for (let i = 0; i < n; i++) {
      items[i] = from[i];
      from[i] = undefined;
    }
    this.#size = n;
    other.#size = 0;
  }

  /** `PriorityQueue#removeIf` / `removeAll`: compact survivors in order, then heapify. */
  removeIf(predicate: (item: T) => boolean): boolean {
    const items = this.#items;
    const n = this.#size;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const item = items[i]!;
      if (!predicate(item)) items[kept++] = item;
    }
    if (kept === n) return false;
    for (let i = kept; i < n; i++) items[i] = undefined;
    this.#size = kept;
    for (let i = (kept >>> 1) - 1; i >= 0; i--) this.#siftDown(i, items[i]!);
    return true;
  }

  /** Iterates in heap array order, as Java's iterator does. */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#size; i++) yield this.#items[i]!;
  }

  #siftDown(start: number, item: T): void {
    const items = this.#items;
    const n = this.#size;
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
