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

/** One raw message, not yet parsed into an event. */
export interface SourceRecord extends SourcePosition {
  readonly value: string | null;
  /** The log's own timestamp in milliseconds, used when the event carries none. */
  readonly timestamp: number;
}

/** A source of raw records that can commit positions once their effects are durable. */
export interface EventSource extends AsyncIterable<SourceRecord> {
  /**
   * Marks each position as fully handled: on restart the source resumes after it.
   * @param positions the last handled record of each partition
   */
  commit(positions: readonly SourcePosition[]): Promise<void>;
  /** Stops iteration and releases connections. */
  close(): Promise<void>;
}
