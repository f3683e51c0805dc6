/**
 * Polls the quick start's rule table (`rds_demo`) over MySQL.
 *
 * Flink: JDBCPeriodicPatternProcessorDiscoverer, which runs `SELECT * FROM <tableName>` on a
 * timer every `intervalMillis` and keeps the previous rules when the query fails.
 *
 * @module
 */

import { abortable } from "./_abortable.ts";
import { describeError, errorCode, MysqlClient } from "./_mysql_client.ts";
import { checkPollInterval, pollRuleSnapshots } from "./_rule_polling.ts";
import { selectRuleRowsSql, toRuleSnapshot } from "./_sql_rule_rows.ts";
import type { JdbcConfig } from "./jdbc_url.ts";
import { type Logger, SILENT_LOGGER } from "./logger.ts";
import type { RuleSet, RuleStore, RuleStoreHealth, WatchOptions } from "./rule_store.ts";

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
  /** Failed polls and whether the last one succeeded. */
  readonly health: RuleStoreHealth = { failures: 0, answering: false };

  /**
   * Creates the store; no connection is opened until {@link MysqlRuleStore.watch} polls.
   * @param options the database, table, interval and logger
   * @throws {RangeError} if the table name is not a plain identifier or the interval is not a
   *   positive whole number of milliseconds
   */
  constructor(options: MysqlRuleStoreOptions) {
    this.#select = selectRuleRowsSql(options.tableName);
    this.#intervalMs = checkPollInterval(options.intervalMs);
    this.#tableName = options.tableName;
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
  watch(options: WatchOptions): AsyncGenerator<RuleSet, void, undefined> {
    const tableName = this.#tableName;
    return pollRuleSnapshots({
      health: this.health,
      signals: [options.signal, this.#closing.signal],
      intervalMs: this.#intervalMs,
      logger: this.#logger,
      fields: { table: tableName, target: this.#client.target },
      outageMessage: "Rule store unreachable, retrying",
      recoveryMessage: "Rule store reachable again",
      // The driver cannot cancel a query: stop waiting for it instead.
      read: (signal) => abortable(this.#client.query(this.#select), signal),
      toSnapshot: (rows) => toRuleSnapshot(rows, { tableName, toVersion }),
      // Without credentials; the code alone tells one outage from another.
      describeError,
      failureKind: (error) => errorCode(error) ?? "unknown",
    });
  }

  /** Ends every running {@link MysqlRuleStore.watch} and closes the connection. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#client.close();
  }
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
