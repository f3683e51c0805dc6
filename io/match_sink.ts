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
