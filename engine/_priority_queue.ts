/**
 * A binary heap with the exact behaviour of `java.util.PriorityQueue` (JDK 11+): iteration in
 * array order, ties broken by heap position, bulk removal by compaction and re-heapify. Flink
 * keeps runs in such queues, and the order of runs that tie decides which match an after-match
 * skip strategy keeps, so the engine reproduces the JDK's order instead of using a sorted list.
 *
 * @module
 */

/** Slots held in fields before the overflow array. */
const INLINE_SLOTS = 4;

/**
 * Flink: the `PriorityQueue<ComputationState>` of `NFAState`. Queues are cleared and refilled on
 * every event, so the storage is kept at its largest size instead of shrinking.
 */
export class PriorityQueue<T> implements Iterable<T> {
  readonly #compare: (a: T, b: T) => number;
  // The first slots are fields, so that a small queue is a single object: a key's runs are read
  // on every event of the key, and with many keys each further object is a likely cache miss.
  #s0: T | undefined = undefined;
  #s1: T | undefined = undefined;
  #s2: T | undefined = undefined;
  #s3: T | undefined = undefined;
  /** Slots from {@link INLINE_SLOTS} on, created when first needed. */
  #rest: (T | undefined)[] | null = null;
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
    switch (index) {
      case 0:
        return this.#s0!;
      case 1:
        return this.#s1!;
      case 2:
        return this.#s2!;
      case 3:
        return this.#s3!;
      default:
        return this.#rest![index - INLINE_SLOTS]!;
    }
  }

  #set(index: number, item: T | undefined): void {
    switch (index) {
      case 0:
        this.#s0 = item;
        return;
      case 1:
        this.#s1 = item;
        return;
      case 2:
        this.#s2 = item;
        return;
      case 3:
        this.#s3 = item;
        return;
      default:
        (this.#rest ??= [])[index - INLINE_SLOTS] = item;
    }
  }

  /** `PriorityQueue#offer`: sift up from the end. */
  add(item: T): void {
    let k = this.#size++;
    while (k > 0) {
      const parent = (k - 1) >>> 1;
      const e = this.at(parent);
      if (this.#compare(item, e) >= 0) break;
      this.#set(k, e);
      k = parent;
    }
    this.#set(k, item);
  }

  /** `PriorityQueue#peek`. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#s0;
  }

  /** `PriorityQueue#poll`. */
  poll(): T | undefined {
    if (this.#size === 0) return undefined;
    const result = this.#s0;
    const n = --this.#size;
    const last = this.at(n);
    this.#set(n, undefined);
    if (n > 0) this.#siftDown(0, last);
    return result;
  }

  /** Empties the queue; the storage stays for reuse, without references to the elements. */
  clear(): void {
    for (let i = 0; i < this.#size; i++) this.#set(i, undefined);
    this.#size = 0;
  }

  /** Replaces this queue's elements with `other`'s, in the same order, and empties `other`. */
  moveFrom(other: PriorityQueue<T>): void {
    // Called for every key on every event: the inline slots are moved without the switch.
    this.#s0 = other.#s0;
    this.#s1 = other.#s1;
    this.#s2 = other.#s2;
    this.#s3 = other.#s3;
    other.#s0 =
      other.#s1 =
      other.#s2 =
      other.#s3 =
        undefined;
    const n = other.#size;
    for (let i = INLINE_SLOTS; i < Math.max(n, this.#size); i++) {
      this.#set(i, i < n ? other.at(i) : undefined);
      if (i < n) other.#set(i, undefined);
    }
    this.#size = n;
    other.#size = 0;
  }

  /**
   * Replaces this queue's elements with `items`, kept in exactly this array order without
   * comparing them: for restoring a queue from its own iteration order, which must be a heap.
   */
  assign(items: readonly T[]): void {
    this.clear();
    for (let i = 0; i < items.length; i++) this.#set(i, items[i]);
    this.#size = items.length;
  }

  /** `PriorityQueue#removeIf` / `removeAll`: compact survivors in order, then heapify. */
  removeIf(predicate: (item: T) => boolean): boolean {
    const n = this.#size;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const item = this.at(i);
      if (!predicate(item)) this.#set(kept++, item);
    }
    if (kept === n) return false;
    for (let i = kept; i < n; i++) this.#set(i, undefined);
    this.#size = kept;
    for (let i = (kept >>> 1) - 1; i >= 0; i--) this.#siftDown(i, this.at(i));
    return true;
  }

  /** Iterates in heap array order, as Java's iterator does. */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#size; i++) yield this.at(i);
  }

  #siftDown(start: number, item: T): void {
    const n = this.#size;
    const half = n >>> 1;
    let k = start;
    while (k < half) {
      let child = (k << 1) + 1;
      let c = this.at(child);
      const right = child + 1;
      if (right < n) {
        const r = this.at(right);
        if (this.#compare(c, r) > 0) {
          c = r;
          child = right;
        }
      }
      if (this.#compare(item, c) <= 0) break;
      this.#set(k, c);
      k = child;
    }
    this.#set(k, item);
  }
}
