/**
 * Knows which source positions are safe to commit: those of records whose every effect is
 * durable. A record is done once the operator no longer needs its event (the event is not
 * buffered and no partial match holds it) and the matches derived from it are written.
 *
 * @module
 */

import type { SourcePosition } from "../io/mod.ts";

interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  /** Parallel arrays from `head`: operator sequence and offset of each tracked record. */
  sequences: number[];
  offsets: string[];
  head: number;
}

/** Tracks positions per partition in arrival order. */
export class PositionTracker {
  readonly #partitions = new Map<string, PartitionQueue>();

  /**
   * Remembers a record.
   * @param position where it came from
   * @param sequence the operator sequence of its event; a record that produced no event (it was
   *   malformed) passes the sequence of the event before it, so it is done no earlier than that
   */
  track(position: SourcePosition, sequence: number): void {
    const id = `${position.topic}\u0000${position.partition}`;
    let queue = this.#partitions.get(id);
    if (queue === undefined) {
      queue = {
        topic: position.topic,
        partition: position.partition,
        sequences: [],
        offsets: [],
        head: 0,
      };
      this.#partitions.set(id, queue);
    }
    queue.sequences.push(sequence);
    queue.offsets.push(position.offset);
  }

  /**
   * Releases every record whose sequence is below `oldestLive`.
   * @param oldestLive the operator's oldest needed sequence
   * @returns the last released position of each partition that released any
   */
  release(oldestLive: number): SourcePosition[] {
    const positions: SourcePosition[] = [];
    for (const queue of this.#partitions.values()) {
      let head = queue.head;
      while (head < queue.sequences.length && queue.sequences[head]! < oldestLive) head++;
      if (head === queue.head) continue;
      positions.push({
        topic: queue.topic,
        partition: queue.partition,
        offset: queue.offsets[head - 1]!,
      });
      queue.head = head;
      // Compact now and then so the arrays do not grow without bound.
      if (head > 4096 && head * 2 > queue.sequences.length) {
        queue.sequences = queue.sequences.slice(head);
        queue.offsets = queue.offsets.slice(head);
        queue.head = 0;
      }
    }
    return positions;
  }

  /** Number of records not yet released. */
  get pending(): number {
    let n = 0;
    for (const q of this.#partitions.values()) n += q.sequences.length - q.head;
    return n;
  }
}
