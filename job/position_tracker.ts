/**
 * Knows which source positions are safe to commit: those of records whose every effect is
 * durable. A record is done once the operator no longer needs its event (the event is not
 * buffered and no partial match holds it) and the matches derived from it are written.
 *
 * @module
 */

import type { SourceBatch, SourcePosition } from "../io/mod.ts";

interface TrackedBatch {
  readonly offsets: readonly string[];
  /** The operator sequence of each record's event, non-decreasing. */
  readonly sequences: Float64Array;
}

interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  /** Batches not yet wholly released, oldest first; the first is released up to `head`. */
  readonly batches: TrackedBatch[];
  head: number;
}

/** Tracks positions per partition, a batch at a time. */
export class PositionTracker {
  readonly #partitions = new Map<string, PartitionQueue>();

  /**
   * Remembers a batch of records.
   * @param batch where the records came from
   * @param sequences the operator sequence of each record's event; a record that produced no
   *   event (it was malformed) has the sequence of the event before it, so it is done no earlier
   *   than that
   */
  track(batch: SourceBatch, sequences: Float64Array): void {
    const id = `${batch.topic}\u0000${batch.partition}`;
    let queue = this.#partitions.get(id);
    if (queue === undefined) {
      queue = { topic: batch.topic, partition: batch.partition, batches: [], head: 0 };
      this.#partitions.set(id, queue);
    }
    queue.batches.push({ offsets: batch.offsets, sequences });
  }

  /**
   * Releases every record whose sequence is below `oldestLive`.
   * @param oldestLive the operator's oldest needed sequence
   * @returns the last released position of each partition that released any
   */
  release(oldestLive: number): SourcePosition[] {
    const positions: SourcePosition[] = [];
    for (const queue of this.#partitions.values()) {
      let last: string | undefined;
      while (queue.batches.length > 0) {
        const { offsets, sequences } = queue.batches[0]!;
        let head = queue.head;
        while (head < sequences.length && sequences[head]! < oldestLive) head++;
        if (head > queue.head) last = offsets[head - 1];
        if (head < sequences.length) {
          queue.head = head;
          break;
        }
        queue.batches.shift();
        queue.head = 0;
      }
      if (last !== undefined) {
        positions.push({ topic: queue.topic, partition: queue.partition, offset: last });
      }
    }
    return positions;
  }

  /** Number of records not yet released. */
  get pending(): number {
    let n = 0;
    for (const q of this.#partitions.values()) {
      for (const b of q.batches) n += b.sequences.length;
      n -= q.head;
    }
    return n;
  }
}
