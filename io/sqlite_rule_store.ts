/**
 * Polls the quick start's rule table (`rds_demo`) in an SQLite file, so the job runs without
 * MySQL. Uses the `node:sqlite` module built into Deno: no npm package is needed.
 *
 * Flink: JDBCPeriodicPatternProcessorDiscoverer, which runs `SELECT * FROM <tableName>` on a
 * timer every `intervalMillis` and keeps the previous rules when the query fails.
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import { checkPollInterval, pollRuleSnapshots } from "./_rule_polling.ts";
import { selectRuleRowsSql, toRuleSnapshot } from "./_sql_rule_rows.ts";
import { type Logger, SILENT_LOGGER } from "./logger.ts";
import type { RuleSet, RuleStore, RuleStoreHealth, WatchOptions } from "./rule_store.ts";
import { quoteSqlIdentifier } from "./sql_identifier.ts";

const URL_PREFIX = "jdbc:sqlite:";

/**
 * Parses a `jdbc:sqlite:PATH` URL, the form the SQLite JDBC driver uses, e.g.
 * `jdbc:sqlite:cep_demo.db` or `jdbc:sqlite:/var/lib/edgecep/cep_demo.db`.
 *
 * `:memory:` is refused: the job's database would be invisible to whoever inserts the rules.
 * Query parameters are refused rather than ignored, since the driver's ones would change nothing.
 *
 * @param url the URL
 * @returns the database file path, relative to the working directory unless absolute
 * @throws {RangeError} if the URL does not start with `jdbc:sqlite:`, or its path is empty,
 *   `:memory:` or followed by `?` parameters
 */
export function parseSqliteJdbcUrl(url: string): string {
  if (!url.startsWith(URL_PREFIX)) {
    throw new RangeError(`Invalid SQLite JDBC URL "${url}": it must start with "${URL_PREFIX}"`);
  }
  const path = url.slice(URL_PREFIX.length);
  if (path === "") throw new RangeError(`Invalid SQLite JDBC URL "${url}": the path is missing`);
  if (path === ":memory:" || path.startsWith("file::memory:")) {
    throw new RangeError(
      `Invalid SQLite JDBC URL "${url}": an in-memory database cannot be shared, use a file path`,
    );
  }
  if (path.includes("?")) {
    throw new RangeError(`Invalid SQLite JDBC URL "${url}": parameters after "?" are unsupported`);
  }
  return path;
}

/** Options for {@link openSqliteDatabase}. */
export interface OpenSqliteDatabaseOptions {
  /** The rule table to create if missing; default `rds_demo`. A plain identifier. */
  readonly ruleTableName?: string;
  /** The result table to create if missing; default `match_results`. A plain identifier. */
  readonly resultTableName?: string;
  /**
   * How long a statement waits for another connection's lock, in milliseconds; default 250. The
   * wait blocks the whole process (`node:sqlite` is synchronous), so callers keep it short and
   * retry with an asynchronous backoff instead.
   */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating it if needed) an SQLite database with the quick start's two tables, in WAL
 * mode so that the job's reads and writes do not block someone inserting rules meanwhile.
 *
 * The tables are the quick start's `CREATE TABLE` statements with `IF NOT EXISTS`; SQLite
 * accepts their MySQL types and backticks, as it does the quick start's `INSERT` and `DELETE`.
 *
 * @param path the database file
 * @param options table names and lock wait
 * @returns the open connection; the caller closes it
 * @throws {RangeError} if a table name is not a plain identifier
 * @throws {Error} if the file cannot be opened or is not an SQLite database
 */
export function openSqliteDatabase(
  path: string,
  options: OpenSqliteDatabaseOptions = {},
): DatabaseSync {
  const rules = quoteSqlIdentifier(options.ruleTableName ?? "rds_demo", "rule table name");
  const results = options.resultTableName ?? "match_results";
  const resultsSql = quoteSqlIdentifier(results, "result table name");
  const busyTimeoutMs = options.busyTimeoutMs ?? 250;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new RangeError(`Invalid SQLite busy timeout "${busyTimeoutMs}": expected ms >= 0`);
  }
  const db = new DatabaseSync(path);
  try {
    db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${rules} ( \`id\` VARCHAR(64), \`version\` INT, ` +
        "`pattern` VARCHAR(4096), `function` VARCHAR(512) )",
    );
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${resultsSql} ( rule_id INT, rule_version INT, user_id INT, ` +
        "user_name VARCHAR(255), production_id INT, " +
        "PRIMARY KEY (rule_id, rule_version, user_id, production_id) )",
    );
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Options for {@link SqliteRuleStore}. */
export interface SqliteRuleStoreOptions {
  /** The database file, usually from `parseSqliteJdbcUrl(--jdbcUrl)`. */
  readonly path: string;
  /** The rule table, e.g. `rds_demo`; a plain identifier. Created if missing. */
  readonly tableName: string;
  /** Time between polls in milliseconds (`--jdbcIntervalMs`). */
  readonly intervalMs: number;
  /** Where state changes and skipped rows are reported; default silent. */
  readonly logger?: Logger;
}

/**
 * A {@link RuleStore} that reads every row of an SQLite table at each poll. The database and
 * both quick start tables are created on the first poll if missing, so a newcomer only has to run
 * the quick start's `INSERT` against the file.
 *
 * As with MySQL, rows whose `id` is NULL or whose `version` is not an integer cannot name a
 * rule: they are left out and logged once while they persist. Every other row is passed on as
 * stored; checking `pattern` and `function` is the job of `rules/`.
 */
export class SqliteRuleStore implements RuleStore {
  readonly #path: string;
  readonly #tableName: string;
  readonly #select: string;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #closing = new AbortController();
  /** Failed polls and whether the last one succeeded. */
  readonly health: RuleStoreHealth = { failures: 0, answering: false };
  #db: DatabaseSync | undefined;
  #statement: StatementSync | undefined;

  /**
   * Creates the store; the database is opened when {@link SqliteRuleStore.watch} polls.
   * @param options the database file, table, interval and logger
   * @throws {RangeError} if the table name is not a plain identifier or the interval is not a
   *   positive whole number of milliseconds
   */
  constructor(options: SqliteRuleStoreOptions) {
    this.#select = selectRuleRowsSql(options.tableName);
    this.#intervalMs = checkPollInterval(options.intervalMs);
    this.#path = options.path;
    this.#tableName = options.tableName;
    this.#logger = options.logger ?? SILENT_LOGGER;
  }

  /**
   * Yields the whole table now and then every `intervalMs` after the consumer asks for more.
   * While the file cannot be read it yields nothing, logs the failure once, and retries with a
   * backoff capped at one interval.
   * @param options `signal` ends the iteration
   * @returns snapshots of the table, rows in table (rowid) order
   */
  watch(options: WatchOptions): AsyncGenerator<RuleSet, void, undefined> {
    const tableName = this.#tableName;
    return pollRuleSnapshots({
      health: this.health,
      signals: [options.signal, this.#closing.signal],
      intervalMs: this.#intervalMs,
      logger: this.#logger,
      fields: { table: tableName, path: this.#path },
      outageMessage: "Rule store unreadable, retrying",
      recoveryMessage: "Rule store readable again",
      read: () => {
        try {
          return this.#query();
        } catch (error) {
          // The connection may be what broke (file replaced or deleted): reopen on the next poll.
          this.#disconnect();
          throw error;
        }
      },
      toSnapshot: (rows) => toRuleSnapshot(rows, { tableName, toVersion }),
    });
  }

  /** Ends every running {@link SqliteRuleStore.watch} and closes the database. */
  close(): Promise<void> {
    this.#closing.abort();
    this.#disconnect();
    return Promise.resolve();
  }

  #query(): unknown[] {
    if (this.#statement === undefined) {
      this.#db ??= openSqliteDatabase(this.#path, { ruleTableName: this.#tableName });
      this.#statement = this.#db.prepare(this.#select);
      // A version beyond 2^53 would otherwise throw and fail the whole poll, not just its row.
      this.#statement.setReadBigInts(true);
    }
    return this.#statement.all();
  }

  #disconnect(): void {
    this.#statement = undefined;
    try {
      this.#db?.close();
    } catch {
      // Already closed or never opened: nothing is left to release.
    }
    this.#db = undefined;
  }
}

/** SQLite is dynamically typed: an INT column may still hold a REAL, a TEXT or a BLOB. */
function toVersion(value: unknown): number | undefined {
  const isInteger = typeof value === "bigint" || typeof value === "number" ||
    (typeof value === "string" && /^\s*-?\d+\s*$/.test(value));
  const version = isInteger ? Number(value) : NaN;
  return Number.isSafeInteger(version) ? version : undefined;
}
