/**
 * The hand-off between kafkajs' fetch loop and the source's iterator: fetched items wait here,
 * bounded by the records their batches hold, so that a slow reader holds the fetches back.
 *
 * @module
 */

import type { SourceItem } from "./event_source.ts";

/** Items in fetch order, counted by records; one reader and one writer at a time. */
export class ItemQueue {
  readonly #capacity: number;
  #items: SourceItem[] = [];
  #records = 0;
  #wakeReader: (() => void) | undefined;
  #wakeWriter: (() => void) | undefined;

  /** @param capacity records beyond which the writer waits */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Records held by the queued batches. */
  get records(): number {
    return this.#records;
  }

  /** Whether the writer should wait before adding more. */
  get full(): boolean {
    return this.#records >= this.#capacity;
  }

  /** The queued items, oldest first. */
  values(): readonly SourceItem[] {
    return this.#items;
  }

  /** Adds an item and wakes the reader. */
  push(item: SourceItem): void {
    this.#items.push(item);
    if (item.type === "batch") this.#records += item.values.length;
    this.#wakeReader?.();
    this.#wakeReader = undefined;
  }

  /** Takes the oldest item; wakes the writer once half the room is free again. */
  shift(): SourceItem | undefined {
    const item = this.#items.shift();
    if (item === undefined) return undefined;
    if (item.type === "batch") this.#records -= item.values.length;
    // At half capacity, not at each pull, so that held fetches resume in bulk.
    if (this.#wakeWriter && this.#records <= this.#capacity / 2) {
      this.#wakeWriter();
      this.#wakeWriter = undefined;
    }
    return item;
  }

  /** Keeps only the items `keep` accepts. */
  retain(keep: (item: SourceItem) => boolean): void {
    this.#items = this.#items.filter(keep);
    this.#records = 0;
    for (const item of this.#items) if (item.type === "batch") this.#records += item.values.length;
  }

  /** Waits until an item is pushed or {@link wake} is called. */
  waitForItem(): Promise<void> {
    return new Promise<void>((resolve) => this.#wakeReader = resolve);
  }

  /**
   * Waits until the reader frees room, {@link wake} is called or `ms` pass (the writer then
   * checks whether it is still wanted and heartbeats).
   */
  waitForRoom(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeWriter = done;
    }).finally(() => this.#wakeWriter = undefined);
  }

  /** Wakes both sides, e.g. on close or a rejoin. */
  wake(): void {
    this.#wakeReader?.();
    this.#wakeReader = undefined;
    this.#wakeWriter?.();
    this.#wakeWriter = undefined;
  }

  /** Drops every item. */
  clear(): void {
    this.#items = [];
    this.#records = 0;
  }
}
