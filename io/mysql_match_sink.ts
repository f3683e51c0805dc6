/**
 * Writes matches to the quick start's `match_results` table over MySQL.
 *
 * @module
 */

import { RetryAbortedError, retryTransient } from "./backoff.ts";
import type { JdbcConfig } from "./jdbc_url.ts";
import { type Logger, SILENT_LOGGER } from "./logger.ts";
import { type MatchRow, type MatchSink, SinkWriteError } from "./match_sink.ts";

export { SinkWriteError };
import { describeError, errorErrno, isTransientMysqlError, MysqlClient } from "./_mysql_client.ts";
import { quoteSqlIdentifier } from "./sql_identifier.ts";
import { mysqlMatchUpsert } from "./_match_rows_sql.ts";

/** Options for {@link SqlMatchSink}. */
export interface SqlMatchSinkOptions {
  /** Where the result table lives, usually from `parseJdbcUrl(--jdbcUrl)`. */
  readonly config: JdbcConfig;
  /** The result table; default `match_results`. A plain identifier. */
  readonly tableName?: string;
  /** Where retries are reported; default silent. */
  readonly logger?: Logger;
  /** Rows per INSERT statement, 1..10 000; default 500. */
  readonly batchSize?: number;
}

/**
 * Server errors caused by one row's values. Only these are narrowed down to single rows; any
 * other permanent error (unknown table, access denied) would fail every row alike.
 */
const ROW_DATA_ERRNOS = new Set([
  1048, // ER_BAD_NULL_ERROR
  1062, // ER_DUP_ENTRY, from a unique key other than the primary key
  1264, // ER_WARN_DATA_OUT_OF_RANGE
  1265, // WARN_DATA_TRUNCATED
  1292, // ER_TRUNCATED_WRONG_VALUE
  1366, // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
  1406, // ER_DATA_TOO_LONG
  1452, // ER_NO_REFERENCED_ROW_2
  3819, // MySQL ER_CHECK_CONSTRAINT_VIOLATED
  4025, // MariaDB ER_CONSTRAINT_FAILED
]);
const WARN_EVERY_MS = 30_000;

/**
 * A {@link MatchSink} that upserts rows with multi-row `INSERT ... ON DUPLICATE KEY UPDATE`, so
 * writing a row twice leaves one row. `VALUES(col)` is used rather than `AS new` because MariaDB
 * rejects the alias, while MySQL 5.7 and 8 accept both.
 *
 * Transient failures (connection lost or refused, timeouts, deadlocks, lock waits) are retried
 * with backoff until they succeed or the sink is closed: rows are never dropped. Writes run one
 * at a time in call order.
 */
export class SqlMatchSink implements MatchSink {
  readonly #client: MysqlClient;
  readonly #table: string;
  readonly #batchSize: number;
  readonly #logger: Logger;
  readonly #closing = new AbortController();
  #queue: Promise<void> = Promise.resolve();
  #retries = 0;
  #lastWarnAt = -Infinity;

  /**
   * Creates the sink; no connection is opened until the first write.
   * @param options the database, table, logger and batch size
   * @throws {RangeError} if the table name is not a plain identifier or the batch size is not a
   *   whole number in 1..10 000
   */
  constructor(options: SqlMatchSinkOptions) {
    const table = quoteSqlIdentifier(options.tableName ?? "match_results", "result table name");
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new RangeError(`Invalid sink batch size "${batchSize}": expected 1..10000`);
    }
    this.#table = table;
    this.#batchSize = batchSize;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#client = new MysqlClient(options.config);
  }

  /** How many statements were retried after a transient failure since the sink was created. */
  get retries(): number {
    return this.#retries;
  }

  /**
   * Upserts the rows in statements of `batchSize` rows; each statement commits on its own.
   * @param batch the rows; `ruleId` must be an integer string for the quick start's INT column
   * @returns when every row is durable
   * @throws {SinkWriteError} if the database refuses rows permanently: rows with bad values are
   *   found one by one and the rest are written; any other permanent error stops the batch. Also
   *   thrown when the sink is closed while a write is still retrying.
   */
  write(batch: readonly MatchRow[]): Promise<void> {
    const run = this.#queue.then(() => this.#writeAll(batch));
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Stops retrying (pending writes reject), waits for the statement in flight, disconnects. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#queue;
    await this.#client.close();
  }

  async #writeAll(batch: readonly MatchRow[]): Promise<void> {
    const rejected: MatchRow[] = [];
    let firstError: unknown;
    for (let start = 0; start < batch.length; start += this.#batchSize) {
      const chunk = batch.slice(start, start + this.#batchSize);
      try {
        await this.#insert(chunk);
        continue;
      } catch (error) {
        if (!ROW_DATA_ERRNOS.has(errorErrno(error) ?? 0)) {
          throw this.#failure(error, [...rejected, ...batch.slice(start)]);
        }
        firstError ??= error;
      }
      // One statement is atomic, so one bad value sinks its whole chunk: retry row by row.
      for (const row of chunk) {
        try {
          await this.#insert([row]);
        } catch (error) {
          if (!ROW_DATA_ERRNOS.has(errorErrno(error) ?? 0)) {
            throw this.#failure(error, [...rejected, ...batch.slice(batch.indexOf(row, start))]);
          }
          rejected.push(row);
        }
      }
    }
    if (rejected.length > 0) throw this.#failure(firstError, rejected);
  }

  /** Runs one upsert, retrying transient failures until it succeeds or the sink closes. */
  async #insert(rows: readonly MatchRow[]): Promise<void> {
    const { sql, values } = mysqlMatchUpsert(this.#table, rows);
    const { attempts } = await retryTransient(() => this.#client.query(sql, values), {
      signal: this.#closing.signal,
      backoff: { maxDelayMs: 5_000 },
      isTransient: isTransientMysqlError,
      onRetry: (error) => {
        this.#retries += 1;
        this.#warn(error, rows.length);
      },
    });
    if (attempts > 1) {
      this.#logger.log("info", "Match sink write succeeded after retries", {
        target: this.#client.target,
        attempts,
      });
    }
  }

  #warn(error: unknown, rows: number): void {
    // Rate-limited: an outage would otherwise log several lines a second for its whole length.
    const now = Date.now();
    if (now - this.#lastWarnAt < WARN_EVERY_MS) return;
    this.#lastWarnAt = now;
    this.#logger.log("warn", "Match sink write failed, retrying", {
      target: this.#client.target,
      rows,
      retries: this.#retries,
      error: describeError(error),
    });
  }

  #failure(error: unknown, rejected: readonly MatchRow[]): SinkWriteError {
    if (error instanceof RetryAbortedError) {
      return new SinkWriteError(
        `Cannot write ${rejected.length} match rows to "${this.#client.target}": the sink was ` +
          "closed while retrying",
        rejected,
        { cause: error.cause },
      );
    }
    return new SinkWriteError(
      `Cannot write ${rejected.length} match rows to "${this.#client.target}": ` +
        describeError(error),
      rejected,
      { cause: error },
    );
  }
}
