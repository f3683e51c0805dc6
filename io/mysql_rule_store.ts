/**
 * Polls the quick start's rule table (`rds_demo`) over MySQL.
 *
 * Flink: JDBCPeriodicPatternProcessorDiscoverer, which runs `SELECT * FROM <tableName>` on a
 * timer every `intervalMillis` and keeps the previous rules when the query fails.
 *
 * @module
 */

import { backoffDelay, sleep } from "./backoff.ts";
import type { JdbcConfig } from "./jdbc_url.ts";
import { type Logger, SILENT_LOGGER } from "./logger.ts";
import { describeError, errorCode, MysqlClient } from "./_mysql_client.ts";
import type { RuleRow, RuleSet, RuleStore, WatchOptions } from "./rule_store.ts";
import { quoteSqlIdentifier } from "./sql_identifier.ts";

/** Options for {@link MysqlRuleStore}. */
export interface MysqlRuleStoreOptions {
  /** Where the rule table lives, usually from `parseJdbcUrl(--jdbcUrl)`. */
  readonly config: JdbcConfig;
  /** The rule table, e.g. `rds_demo`; a plain identifier. */
  readonly tableName: string;
  /** Time between polls in milliseconds (`--jdbcIntervalMs`). */
  readonly intervalMs: number;
  /** Where state changes and skipped rows are reported; default silent. */
  readonly logger?: Logger;
}

/**
 * A {@link RuleStore} that reads every row of a MySQL or MariaDB table at each poll.
 *
 * Rows whose `id` is NULL or whose `version` is not an integer cannot name a rule, so they are
 * left out of the snapshot and logged once while they persist. Every other row is passed on as
 * stored: checking `pattern` and `function` is the job of `rules/`.
 */
export class MysqlRuleStore implements RuleStore {
  readonly #client: MysqlClient;
  readonly #tableName: string;
  readonly #select: string;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #closing = new AbortController();

  /**
   * Creates the store; no connection is opened until {@link MysqlRuleStore.watch} polls.
   * @param options the database, table, interval and logger
   * @throws {RangeError} if the table name is not a plain identifier or the interval is not a
   *   positive whole number of milliseconds
   */
  constructor(options: MysqlRuleStoreOptions) {
    const table = quoteSqlIdentifier(options.tableName, "rule table name");
    if (!Number.isInteger(options.intervalMs) || options.intervalMs <= 0) {
      throw new RangeError(
        `Invalid rule poll interval "${options.intervalMs}": expected a whole number of ms > 0`,
      );
    }
    this.#tableName = options.tableName;
    this.#select = `SELECT \`id\`, \`version\`, \`pattern\`, \`function\` FROM ${table}`;
    this.#intervalMs = options.intervalMs;
    this.#logger = options.logger ?? SILENT_LOGGER;
    // A poll that outlives its interval is as good as lost: give up on it and reconnect.
    this.#client = new MysqlClient(options.config, {
      queryTimeoutMs: Math.max(options.intervalMs, 10_000),
    });
  }

  /**
   * Yields the whole table now and then every `intervalMs` after the consumer asks for more.
   * While the database is unreachable it yields nothing, logs the outage once, and retries with
   * a backoff capped at one interval, so a recovery is seen within about one interval.
   * @param options `signal` ends the iteration promptly, even in the middle of a poll
   * @returns snapshots of the table, rows in table order
   */
  async *watch(options: WatchOptions): AsyncGenerator<RuleSet, void, undefined> {
    const stop = AbortSignal.any([options.signal, this.#closing.signal]);
    const fields = { table: this.#tableName, target: this.#client.target };
    let failures = 0;
    let lastFailureCode: string | undefined;
    let reported = new Set<string>();
    while (!stop.aborted) {
      let rows: unknown;
      try {
        rows = await abortable(this.#client.query(this.#select), stop);
      } catch (error) {
        if (stop.aborted) return;
        const code = errorCode(error) ?? "unknown";
        // Log the change of state, not every failed poll: an outage can last hours.
        if (failures === 0 || code !== lastFailureCode) {
          this.#logger.log("warn", "Rule store unreachable, retrying", {
            ...fields,
            error: describeError(error),
          });
        }
        lastFailureCode = code;
        const delay = backoffDelay(Math.min(failures, 30), {
          minDelayMs: Math.min(200, this.#intervalMs),
          maxDelayMs: this.#intervalMs,
        });
        failures += 1;
        if (!await pause(delay, stop)) return;
        continue;
      }
      if (failures > 0) {
        this.#logger.log("info", "Rule store reachable again", {
          ...fields,
          failedPolls: failures,
        });
        failures = 0;
        lastFailureCode = undefined;
      }
      const snapshot = toRuleSet(rows);
      for (const [key, problem] of snapshot.problems) {
        if (reported.has(key)) continue;
        this.#logger.log("warn", `Skipping rule row "${problem.id}": ${problem.reason}`, {
          table: this.#tableName,
          ruleId: problem.id,
        });
      }
      // Forget problems that were fixed, so that a relapse is reported again.
      reported = new Set(snapshot.problems.keys());
      yield snapshot.rules;
      if (!await pause(this.#intervalMs, stop)) return;
    }
  }

  /** Ends every running {@link MysqlRuleStore.watch} and closes the connection. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#client.close();
  }
}

interface RowProblem {
  readonly id: string;
  readonly reason: string;
}

function toRuleSet(rows: unknown): { rules: RuleSet; problems: Map<string, RowProblem> } {
  const rules: RuleRow[] = [];
  const problems = new Map<string, RowProblem>();
  for (const row of Array.isArray(rows) ? rows as Record<string, unknown>[] : []) {
    const id = row.id === null || row.id === undefined ? undefined : text(row.id);
    const version = toVersion(row.version);
    let reason: string | undefined;
    if (id === undefined) reason = "id is NULL";
    else if (version === undefined) {
      reason = row.version === null
        ? "version is NULL"
        : `version "${text(row.version)}" is not an integer`;
    }
    if (id === undefined || version === undefined) {
      const problem = { id: id ?? "NULL", reason: reason ?? "" };
      problems.set(`${problem.id}\u0000${problem.reason}`, problem);
      continue;
    }
    rules.push({
      id,
      version,
      pattern: row.pattern === null || row.pattern === undefined ? null : text(row.pattern),
      function: row.function === null || row.function === undefined ? null : text(row.function),
    });
  }
  return { rules, problems };
}

/** INT columns arrive as numbers; BIGINT, DECIMAL or text columns as strings. */
function toVersion(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) {
    const version = Number(value);
    return Number.isSafeInteger(version) ? version : undefined;
  }
  return undefined;
}

/** BLOB and BINARY columns arrive as bytes; the rule table's text is UTF-8. */
function text(value: unknown): string {
  return value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
}

/** Rejects with the signal's reason when it aborts first; the abandoned promise is silenced. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => {
    signal.removeEventListener("abort", onAbort);
  });
}

/** Waits, and tells whether the wait ended normally rather than by abort. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, signal);
    return true;
  } catch {
    return false;
  }
}
