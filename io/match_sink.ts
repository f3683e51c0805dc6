/**
 * The boundary between matches and the result table.
 *
 * @module
 */

/** One row of the quick start's `match_results` table. */
export interface MatchRow {
  readonly ruleId: string;
  readonly ruleVersion: number;
  readonly userId: number;
  readonly userName: string;
  readonly productionId: number;
}

/**
 * Rows the database refused for a reason that retrying cannot fix, such as a value out of range,
 * an unknown table or bad credentials. Callers choose whether to skip the rows or stop the job.
 */
export class SinkWriteError extends Error {
  /** The rows that were not written. Every other row of the batch is durable. */
  readonly rejected: readonly MatchRow[];

  /**
   * Creates the error.
   * @param message what failed, without credentials
   * @param rejected the rows that were not written
   * @param options the driver's error as `cause`
   */
  constructor(message: string, rejected: readonly MatchRow[], options: ErrorOptions) {
    super(message, options);
    this.name = "SinkWriteError";
    this.rejected = rejected;
  }
}

/** A durable destination for match rows. */
export interface MatchSink {
  /**
   * Writes the rows idempotently (the table's primary key makes a re-write harmless). Resolves
   * only when every row is durable; transient failures are retried inside.
   */
  write(batch: readonly MatchRow[]): Promise<void>;
  /** Flushes and releases connections. */
  close(): Promise<void>;
}
