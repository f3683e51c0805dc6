/**
 * The operator's event-time buffer: events wait here until the watermark passes them, and leave
 * in (timestamp, sequence) order. Flink keeps them in a keyed `MapState` sorted on release
 * (`CepOperator#bufferEvent` and `#onEventTime`); only the order of release has to match.
 *
 * Most sources deliver each group's (partition's) events in timestamp order, so a heap over all
 * of them does work the order of arrival has mostly done already. Each group therefore has a
 * FIFO queue that takes its events while their timestamps do not decrease; an event older than
 * its group's latest goes to a heap instead. Release merges the queues' heads (kept in a small
 * heap of queues) with that heap. Sequences grow with every push, so a queue in non-decreasing
 * timestamp order is also in (timestamp, sequence) order, and the merge gives exactly the order
 * one heap over every event would give.
 *
 * @module
 */

import { MinHeap } from "./_min_heap.ts";

/** What the buffer orders by: a timestamp, then a sequence that grows with every push. */
export interface TimedEvent {
  readonly timestamp: number;
  readonly sequence: number;
  readonly group: number;
}

/** Once this many released slots lead a queue that is over half released, they are dropped. */
const COMPACT_AFTER = 1024;

/** One group's events that arrived in timestamp order, oldest at `head`. */
class GroupQueue<T extends TimedEvent> {
  readonly group: number;
  /** Released slots before `head` are cleared so as not to keep their events alive. */
  readonly items: (T | undefined)[] = [];
  head = 0;
  /** The timestamp of the latest event queued, which the next one must not be below. */
  last = -Infinity;

  constructor(group: number) {
    this.group = group;
  }

  get empty(): boolean {
    return this.head === this.items.length;
  }

  /** The oldest event; only called on a queue that is not empty. */
  first(): T {
    return this.items[this.head]!;
  }
}

/** True when `a` is released before `b`. */
function before(a: TimedEvent, b: TimedEvent): boolean {
  return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.sequence < b.sequence);
}

/** Events waiting for the watermark, released in (timestamp, sequence) order. */
export class EventTimeBuffer<T extends TimedEvent> {
  /** Every group's queue, empty ones included, so that a group reuses its array. */
  readonly #queues = new Map<number, GroupQueue<T>>();
  /** The queues that are not empty, as a binary heap on their first events. */
  readonly #active: GroupQueue<T>[] = [];
  /** Events that arrived older than their group's latest. */
  readonly #late = new MinHeap<T>((a, b) => a.timestamp - b.timestamp || a.sequence - b.sequence);
  /** The queue of the previous push: consecutive events mostly share a group. */
  #recent: GroupQueue<T> | undefined;
  #size = 0;

  /** Number of events waiting. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds an event. Its sequence must be above every sequence pushed before.
   * @param item the event
   */
  push(item: T): void {
    this.#size++;
    let queue = this.#recent;
    if (queue === undefined || queue.group !== item.group) {
      queue = this.#queues.get(item.group);
      if (queue === undefined) this.#queues.set(item.group, queue = new GroupQueue(item.group));
      this.#recent = queue;
    }
    if (queue.empty) {
      queue.last = item.timestamp;
      queue.items.push(item);
      this.#activate(queue);
      return;
    }
    if (item.timestamp < queue.last) {
      this.#late.push(item);
      return;
    }
    queue.last = item.timestamp;
    queue.items.push(item);
  }

  /** The event released next, or `undefined`. */
  peek(): T | undefined {
    const late = this.#late.peek();
    const queue = this.#active[0];
    if (queue === undefined) return late;
    const first = queue.first();
    return late !== undefined && before(late, first) ? late : first;
  }

  /** Removes and returns the event released next, or `undefined`. */
  pop(): T | undefined {
    const late = this.#late.peek();
    const queue = this.#active[0];
    if (queue === undefined || (late !== undefined && before(late, queue.first()))) {
      if (late !== undefined) this.#size--;
      return this.#late.pop();
    }
    this.#size--;
    const items = queue.items;
    const first = items[queue.head]!;
    items[queue.head++] = undefined;
    if (queue.empty) {
      items.length = 0;
      queue.head = 0;
      queue.last = -Infinity;
      const moved = this.#active.pop()!;
      if (moved !== queue) this.#siftDown(moved);
    } else {
      if (queue.head >= COMPACT_AFTER && 2 * queue.head >= items.length) {
        items.copyWithin(0, queue.head);
        items.length -= queue.head;
        queue.head = 0;
      }
      this.#siftDown(queue);
    }
    return first;
  }

  /**
   * A group's waiting events in the order they will be released.
   * @param group the group
   */
  ofGroup(group: number): T[] {
    const queue = this.#queues.get(group);
    const events = queue === undefined ? [] : queue.items.slice(queue.head) as T[];
    for (const item of this.#late.values()) {
      if (item.group === group) events.push(item);
    }
    return events.sort((a, b) => a.timestamp - b.timestamp || a.sequence - b.sequence);
  }

  /**
   * Removes a group's waiting events.
   * @param group the group
   * @returns how many were removed
   */
  dropGroup(group: number): number {
    const queue = this.#queues.get(group);
    let removed = this.#late.removeIf((item) => item.group === group);
    if (queue !== undefined) {
      removed += queue.items.length - queue.head;
      this.#queues.delete(group);
      if (this.#recent === queue) this.#recent = undefined;
      if (this.#active.includes(queue)) {
        // Rebuild the heap of queues: dropping a group is rare, and this needs no index.
        const kept = this.#active.filter((q) => q !== queue);
        this.#active.length = 0;
        for (const q of kept) this.#activate(q);
      }
    }
    this.#size -= removed;
    return removed;
  }

  /** Adds a queue that was empty to the heap of queues. */
  #activate(queue: GroupQueue<T>): void {
    const active = this.#active;
    let k = active.length;
    active.push(queue);
    const first = queue.first();
    while (k > 0) {
      const parent = (k - 1) >>> 1;
      if (!before(first, active[parent]!.first())) break;
      active[k] = active[parent]!;
      k = parent;
    }
    active[k] = queue;
  }

  /** Puts `queue` at the top of the heap of queues and moves it down to its place. */
  #siftDown(queue: GroupQueue<T>): void {
    const active = this.#active;
    const n = active.length;
    const first = queue.first();
    let k = 0;
    while (true) {
      let child = 2 * k + 1;
      if (child >= n) break;
      if (child + 1 < n && before(active[child + 1]!.first(), active[child]!.first())) child++;
      if (!before(active[child]!.first(), first)) break;
      active[k] = active[child]!;
      k = child;
    }
    active[k] = queue;
  }
}
