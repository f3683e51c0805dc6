/**
 * The polling loop behind every `RuleStore`: read the whole store, turn the rows into a
 * snapshot, yield it, wait one interval. Each store supplies only how to read and convert.
 *
 * Flink: JDBCPeriodicPatternProcessorDiscoverer, which polls on a timer every `intervalMillis`
 * and keeps the previous rules when a poll fails.
 *
 * @module
 */

import { pause, RetryAbortedError, retryTransient } from "./backoff.ts";
import type { LogFields, Logger } from "./logger.ts";
import type { RuleSet, RuleStoreHealth } from "./rule_store.ts";

/** A row that cannot name a rule, reported once while it persists. */
export interface RowProblem {
  /** The warning, e.g. `Skipping rule row "2": version is NULL`. */
  readonly message: string;
  /** Fields of the warning, e.g. `{ table, ruleId }`. */
  readonly fields: LogFields;
}

/** What one poll's rows become. */
export interface RuleSnapshot {
  /** The rows that name a rule, in store order. */
  readonly rules: RuleSet;
  /**
   * The rows left out, keyed so that the same problem has the same key at the next poll: a key
   * is logged when it appears and again only after it has been absent for a poll.
   */
  readonly problems: ReadonlyMap<string, RowProblem>;
}

/** Options for {@link pollRuleSnapshots}. */
export interface PollRuleSnapshotsOptions<Rows> {
  /** Any of these ends the polling, even in the middle of a read that honours the signal. */
  readonly signals: readonly AbortSignal[];
  /** Time between polls in milliseconds; also the cap of the backoff while reads fail. */
  readonly intervalMs: number;
  /** Where outages, recoveries and row problems are reported. */
  readonly logger: Logger;
  /** Fields of the outage and recovery lines that name the store, e.g. `{ table, path }`. */
  readonly fields: LogFields;
  /** The outage warning, e.g. `Rule store unreachable, retrying`. */
  readonly outageMessage: string;
  /** The recovery line, e.g. `Rule store reachable again`. */
  readonly recoveryMessage: string;
  /** Reads the whole store; a throw is an outage. `signal` is the combined signal. */
  readonly read: (signal: AbortSignal) => Rows | Promise<Rows>;
  /** Converts one read's rows; it must not throw. */
  readonly toSnapshot: (rows: Rows) => RuleSnapshot | Promise<RuleSnapshot>;
  /** The `error` field of the outage warning; default the error's message. */
  readonly describeError?: (error: unknown) => string;
  /**
   * Which failures count as the same outage, so that only a change is logged again; default
   * {@link PollRuleSnapshotsOptions.describeError}.
   */
  readonly failureKind?: (error: unknown) => string;
  /** Counts failed polls and tells whether the last one succeeded. */
  readonly health?: RuleStoreHealth;
}

/**
 * Polls a rule store: yields a snapshot now and then every `intervalMs` after the consumer asks
 * for more. While reads fail it yields nothing, logs the outage once (and again only if the
 * failure changes kind), and retries with a backoff between min(200, interval) and one
 * interval, so a recovery is seen within about one interval.
 * @param options the signals, interval, logger, log wording, reader and converter
 * @returns the snapshots' rules; ends when a signal aborts
 */
export async function* pollRuleSnapshots<Rows>(
  options: PollRuleSnapshotsOptions<Rows>,
): AsyncGenerator<RuleSet, void, undefined> {
  const { intervalMs, logger, fields } = options;
  const stop = AbortSignal.any([...options.signals]);
  const describe = options.describeError ?? errorMessage;
  const kindOf = options.failureKind ?? describe;
  const backoff = { minDelayMs: Math.min(200, intervalMs), maxDelayMs: intervalMs };
  let lastKind: string | undefined;
  let reported = new Set<string>();
  while (!stop.aborted) {
    let rows: Rows;
    let attempts: number;
    try {
      ({ value: rows, attempts } = await retryTransient(() => options.read(stop), {
        signal: stop,
        backoff,
        onRetry: (error, attempt) => {
          if (options.health !== undefined) {
            options.health.failures++;
            options.health.answering = false;
          }
          const kind = kindOf(error);
          // Log the change of state, not every failed poll: an outage can last hours.
          if (attempt === 0 || kind !== lastKind) {
            logger.log("warn", options.outageMessage, { ...fields, error: describe(error) });
          }
          lastKind = kind;
        },
      }));
    } catch (error) {
      // Every read error is retried, so only an abort ends the retries.
      if (error instanceof RetryAbortedError) return;
      throw error;
    }
    if (attempts > 1) {
      logger.log("info", options.recoveryMessage, { ...fields, failedPolls: attempts - 1 });
    }
    if (options.health !== undefined) options.health.answering = true;
    const snapshot = await options.toSnapshot(rows);
    for (const [key, problem] of snapshot.problems) {
      if (!reported.has(key)) logger.log("warn", problem.message, problem.fields);
    }
    // Forget problems that were fixed, so that a relapse is reported again.
    reported = new Set(snapshot.problems.keys());
    yield snapshot.rules;
    if (!await pause(intervalMs, stop)) return;
  }
}

/**
 * Checks a store's poll interval.
 * @param intervalMs the interval in milliseconds
 * @returns the interval
 * @throws {RangeError} if it is not a positive whole number
 */
export function checkPollInterval(intervalMs: number): number {
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
    throw new RangeError(
      `Invalid rule poll interval "${intervalMs}": expected a whole number of ms > 0`,
    );
  }
  return intervalMs;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
