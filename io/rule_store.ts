/**
 * The boundary between the rule table and the job.
 *
 * @module
 */

/** One row of the rule table exactly as stored: validation happens in `rules/`. */
export interface RuleRow {
  readonly id: string;
  readonly version: number;
  readonly pattern: string | null;
  readonly function: string | null;
}

/** Every row of the rule table at one poll. */
export type RuleSet = readonly RuleRow[];

/** Options for {@link RuleStore.watch}. */
export interface WatchOptions {
  readonly signal: AbortSignal;
}

/** How a polled store fares, read by `/healthz` and the metrics. */
export interface RuleStoreHealth {
  /** Polls that failed since start. */
  failures: number;
  /** Whether the last poll succeeded. */
  answering: boolean;
}

/** A rule table that can be polled. */
export interface RuleStore {
  /** Updated at every poll, when the store is polled. */
  readonly health?: Readonly<RuleStoreHealth>;
  /**
   * Yields the whole table at start and then after every poll. While the store is unreachable it
   * yields nothing, so the job keeps its current rules.
   */
  watch(options: WatchOptions): AsyncIterable<RuleSet>;
  /** Releases connections. */
  close(): Promise<void>;
}
