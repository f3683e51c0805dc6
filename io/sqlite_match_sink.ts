/**
 * Writes matches to the quick start's `match_results` table in an SQLite file, so the job runs
 * without MySQL.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { RetryAbortedError, retryTransient } from "./backoff.ts";
import { type Logger, SILENT_LOGGER } from "./logger.ts";
import type { MatchRow, MatchSink } from "./match_sink.ts";
// The job catches this one class for every sink; it only lives beside the MySQL sink for now.
import { SinkWriteError } from "./match_sink.ts";
import { quoteSqlIdentifier } from "./sql_identifier.ts";
import { openSqliteDatabase } from "./sqlite_rule_store.ts";
import { matchRowParams, sqliteMatchUpsertSql } from "./_match_rows_sql.ts";
import {
  immediateTransaction,
  isSqliteLockError,
  isTransientSqliteError,
  sqliteErrorMessage,
} from "./_sqlite_transaction.ts";

/** Options for {@link SqliteMatchSink}. */
export interface SqliteMatchSinkOptions {
  /** The database file, usually from `parseSqliteJdbcUrl(--jdbcUrl)`. */
  readonly path: string;
  /** The result table; default `match_results`. A plain identifier. Created if missing. */
  readonly tableName?: string;
  /** Where retries are reported; default silent. */
  readonly logger?: Logger;
}

/**
 * A {@link MatchSink} that upserts each batch in one transaction with `INSERT ... ON CONFLICT DO
 * UPDATE SET user_name = excluded.user_name`, so writing a row twice leaves one row, as `ON
 * DUPLICATE KEY UPDATE` does in MySQL; into a table without a key it inserts.
 *
 * SQLite does not check column types: a `ruleId` that is not an integer is stored as text where
 * MySQL would refuse it. Lock waits and I/O failures are retried with backoff until they succeed
 * or the sink is closed: rows are never dropped. Writes run one at a time in call order.
 */
export class SqliteMatchSink implements MatchSink {
  readonly #path: string;
  readonly #tableName: string;
  readonly #upsert: string;
  readonly #logger: Logger;
  readonly #closing = new AbortController();
  #db: DatabaseSync | undefined;
  #statement: StatementSync | undefined;
  #queue: Promise<void> = Promise.resolve();

  /**
   * Creates the sink; the database (and the table, if missing) is opened at the first write.
   * @param options the database file, table and logger
   * @throws {RangeError} if the table name is not a plain identifier
   */
  constructor(options: SqliteMatchSinkOptions) {
    this.#tableName = options.tableName ?? "match_results";
    const table = quoteSqlIdentifier(this.#tableName, "result table name");
    this.#path = options.path;
    this.#upsert = sqliteMatchUpsertSql(table);
    this.#logger = options.logger ?? SILENT_LOGGER;
  }

  /**
   * Upserts the rows in one transaction: either all of them are durable or none is.
   * @param batch the rows
   * @returns when every row is durable
   * @throws {SinkWriteError} with every row of the batch if SQLite refuses it for a reason that
   *   retrying cannot fix (no such table, read-only file, corrupt database), or if the sink is
   *   closed while the write is still retrying
   */
  write(batch: readonly MatchRow[]): Promise<void> {
    const run = this.#queue.then(() => this.#writeAll(batch));
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Stops retrying (pending writes reject), waits for the write in flight, closes the file. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#queue;
    this.#disconnect();
  }

  async #writeAll(batch: readonly MatchRow[]): Promise<void> {
    if (batch.length === 0) return;
    let attempts: number;
    try {
      ({ attempts } = await retryTransient(() => this.#transaction(batch), {
        signal: this.#closing.signal,
        backoff: { minDelayMs: 50, maxDelayMs: 5_000 },
        isTransient: isTransientSqliteError,
        onRetry: (error, attempt) => {
          const message = sqliteErrorMessage(error);
          if (!isSqliteLockError(error)) this.#disconnect();
          // Once per write: the queue holds later writes back, so one outage logs one line.
          if (attempt === 0) {
            this.#logger.log("warn", "Match sink write failed, retrying", {
              path: this.#path,
              rows: batch.length,
              error: message,
            });
          }
        },
      }));
    } catch (error) {
      if (error instanceof RetryAbortedError) throw this.#closed(batch, error.cause);
      throw new SinkWriteError(
        `Cannot write ${batch.length} match rows to "${this.#path}" table ` +
          `"${this.#tableName}": ${sqliteErrorMessage(error)}`,
        batch,
        { cause: error },
      );
    }
    if (attempts > 1) {
      this.#logger.log("info", "Match sink write succeeded after retries", {
        path: this.#path,
        attempts,
      });
    }
  }

  #transaction(batch: readonly MatchRow[]): void {
    const db = this.#db ??= openSqliteDatabase(this.#path, { resultTableName: this.#tableName });
    const statement = this.#statement ??= db.prepare(this.#upsert);
    immediateTransaction(db, () => {
      for (const row of batch) statement.run(...matchRowParams(row));
    });
  }

  #closed(batch: readonly MatchRow[], cause: unknown): SinkWriteError {
    return new SinkWriteError(
      `Cannot write ${batch.length} match rows to "${this.#path}": the sink was closed while ` +
        "retrying",
      batch,
      { cause },
    );
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
