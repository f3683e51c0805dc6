/**
 * Event-time watermarks: Flink's `BoundedOutOfOrdernessWatermarks` per partition, combined as
 * the minimum over active partitions, with idleness so a silent partition stops holding the job
 * back (Flink: `WatermarkStrategy#withIdleness`). A partition assigned but silent so far holds it
 * back too, until it goes idle. Pure: the caller passes the clock.
 *
 * @module
 */

/** Options for {@link WatermarkTracker}. */
export interface WatermarkOptions {
  /** How late an event may be, in milliseconds; Flink's demo uses 5 000. */
  readonly outOfOrdernessMs: number;
  /** A partition with no event for this long no longer holds the watermark back; 0 disables. */
  readonly idleTimeoutMs: number;
}

interface PartitionState {
  maxTimestamp: number;
  lastSeen: number;
}

/** Tracks the job's watermark over the partitions that have delivered events. */
export class WatermarkTracker {
  readonly #options: WatermarkOptions;
  readonly #partitions = new Map<string, PartitionState>();
  #watermark = -Infinity;

  /**
   * @param options out-of-orderness and idle timeout
   * @throws {RangeError} for negative or non-finite options
   */
  constructor(options: WatermarkOptions) {
    for (const [name, value] of Object.entries(options)) {
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`Cannot track watermarks: "${name}" must be >= 0, got "${value}"`);
      }
    }
    this.#options = options;
  }

  /** The last watermark returned by {@link update}. */
  get watermark(): number {
    return this.#watermark;
  }

  /**
   * The highest timestamp seen on a partition, or `-Infinity`: what a checkpoint keeps of it.
   * @param partition the name given to {@link observe}
   */
  maxTimestamp(partition: string): number {
    return this.#partitions.get(partition)?.maxTimestamp ?? -Infinity;
  }

  /**
   * Counts a partition that has delivered nothing yet: it holds the watermark back until it
   * delivers or goes idle, so that the first partition to deliver does not push the watermark
   * past the others' first events (Flink: a new split's watermark starts at `Long.MIN_VALUE`).
   * @param partition any stable partition name
   * @param now the wall clock, from which its idleness counts
   */
  register(partition: string, now: number): void {
    if (!this.#partitions.has(partition)) {
      this.#partitions.set(partition, { maxTimestamp: -Infinity, lastSeen: now });
    }
  }

  /**
   * Stops counting a partition (it went to another reader).
   * @param partition the name given to {@link observe} or {@link register}
   */
  forget(partition: string): void {
    this.#partitions.delete(partition);
  }

  /**
   * Records an event's timestamp for its partition.
   * @param partition any stable partition name
   * @param timestamp the event's time in milliseconds
   * @param now the wall clock, for idleness
   */
  observe(partition: string, timestamp: number, now: number): void {
    const state = this.#partitions.get(partition);
    if (state === undefined) {
      this.#partitions.set(partition, { maxTimestamp: timestamp, lastSeen: now });
      return;
    }
    if (timestamp > state.maxTimestamp) state.maxTimestamp = timestamp;
    state.lastSeen = now;
  }

  /**
   * Recomputes the watermark: `max timestamp − out-of-orderness − 1` per partition, the minimum
   * over partitions seen within the idle timeout. It never goes back, and stays put while every
   * partition is idle (as Flink's does).
   * @param now the wall clock
   * @returns the current watermark
   */
  update(now: number): number {
    let min = Infinity;
    for (const state of this.#partitions.values()) {
      const idle = this.#options.idleTimeoutMs > 0 &&
        now - state.lastSeen >= this.#options.idleTimeoutMs;
      if (idle) continue;
      min = Math.min(min, state.maxTimestamp - this.#options.outOfOrdernessMs - 1);
    }
    if (min !== Infinity && min > this.#watermark) this.#watermark = min;
    return this.#watermark;
  }
}
