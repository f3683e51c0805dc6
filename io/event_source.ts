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

/**
 * What one fetch returned for one partition: raw records, not yet parsed into events, in offset
 * order. The records are parallel arrays so that a batch of thousands is three objects, not
 * thousands.
 */
export interface SourceBatch {
  readonly topic: string;
  readonly partition: number;
  /** Each record's value; `null` for a message without one. */
  readonly values: readonly (string | null)[];
  /** `offsets[i]` is the offset of `values[i]`. */
  readonly offsets: readonly string[];
}

/**
 * A source of raw records, one item per fetch, that can commit positions once their effects are
 * durable.
 */
export interface EventSource extends AsyncIterable<SourceBatch> {
  /**
   * Marks each position as fully handled: on restart the source resumes after it.
   * @param positions the last handled record of each partition
   */
  commit(positions: readonly SourcePosition[]): Promise<void>;
  /** Stops iteration and releases connections. */
  close(): Promise<void>;
}
