/**
 * The boundary between a message log (Kafka, a file, stdin) and the job.
 *
 * @module
 */

/** Where a record sits in its log, so the job can commit only what it has fully handled. */
export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit, so they stay strings. */
  readonly offset: string;
}

/** One partition of a log. */
export interface PartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/**
 * What one fetch returned for one partition: raw records, not yet parsed into events, in offset
 * order. The records are parallel arrays so that a batch of thousands is three objects, not
 * thousands.
 */
export interface SourceBatch {
  readonly type: "batch";
  readonly topic: string;
  readonly partition: number;
  /** Each record's value; `null` for a message without one. */
  readonly values: readonly (string | null)[];
  /** `offsets[i]` is the offset of `values[i]`. */
  readonly offsets: readonly string[];
}

/**
 * The partitions a reader owns changed: it joined its consumer group, or the group rebalanced.
 * Only sources created with `announceAssignments` yield it.
 */
export interface SourceAssignment {
  readonly type: "assignment";
  /** Newly owned partitions: nothing of them is read until {@link EventSource.start}. */
  readonly assigned: readonly PartitionRef[];
  /** Partitions owned no more: no further batch of them comes, another reader has them now. */
  readonly revoked: readonly PartitionRef[];
}

/** Where a newly assigned partition starts: `offset`, or where the group would, when `null`. */
export interface StartPosition extends PartitionRef {
  readonly offset: string | null;
}

/** What a source yields. */
export type SourceItem = SourceBatch | SourceAssignment;

/**
 * A source of raw records, one item per fetch, that can commit positions once their effects are
 * durable.
 */
export interface EventSource extends AsyncIterable<SourceItem> {
  /**
   * Starts reading partitions that an assignment announced, each at its position (a restored
   * checkpoint's next offset).
   * @param positions one per announced partition
   */
  start(positions: readonly StartPosition[]): void;
  /**
   * Marks each position as fully handled: on restart the source resumes after it.
   * @param positions the last handled record of each partition
   */
  commit(positions: readonly SourcePosition[]): Promise<void>;
  /** Stops iteration and releases connections. */
  close(): Promise<void>;
}
