/**
 * Keeps checkpoints and match rows in an SQLite file, for the embedded mode: the same tables and
 * the same guarantees as {@link MysqlCheckpointStore}, each write one immediate transaction.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { retryTransient } from "./backoff.ts";
import {
  type Checkpoint,
  type CheckpointStore,
  checkpointTableNames,
  type CheckpointTables,
  FencedError,
  type PartitionRef,
  type RestoredPartition,
  type SinkProgress,
} from "./checkpoint_store.ts";
import { type Logger, SILENT_LOGGER } from "./logger.ts";
import { type MatchRow, SinkWriteError } from "./match_sink.ts";
import { quoteSqlIdentifier } from "./sql_identifier.ts";
import { openSqliteDatabase } from "./sqlite_rule_store.ts";
import { ClaimedEpochs } from "./_checkpoint_claims.ts";
import {
  advancedProgress,
  checkStateVersion,
  type QuotedTables,
  quoteTables,
  restoredPartition,
  rethrowStoreError,
  type StoredPartition,
} from "./_checkpoint_shared.ts";
import { createCheckpointTables, selectPartitions } from "./_sqlite_checkpoint_tables.ts";
import { matchRowParams, sqliteMatchUpsertSql } from "./_match_rows_sql.ts";
import {
  immediateTransaction,
  isSqliteLockError,
  isTransientSqliteError,
  sqliteErrorMessage,
} from "./_sqlite_transaction.ts";

/** Options for {@link SqliteCheckpointStore}. */
export interface SqliteCheckpointStoreOptions {
  /** The database file, usually from `parseSqliteJdbcUrl(--jdbcUrl)`. */
  readonly path: string;
  /** The consumer group: its tables are named after it (see {@link checkpointTableNames}). */
  readonly group: string;
  /** The format of the states and meta the caller stores; a checkpoint of another is refused. */
  readonly stateFormatVersion: number;
  /** The result table; default `match_results`, created (with the quick start's key) if missing. */
  readonly matchTable?: string;
  /** Where retries are reported; default silent. */
  readonly logger?: Logger;
}

/**
 * A {@link CheckpointStore} in an SQLite file. Calls run one at a time in call order; each is
 * one `BEGIN IMMEDIATE` transaction, so the write lock that the fence check relies on is held
 * from its first statement. Lock waits and I/O failures are retried with backoff until they
 * succeed or the store closes. `node:sqlite` is synchronous: a transaction blocks the process
 * while it runs (3.8 s to restore a million small states on a busy 2-core host).
 */
export class SqliteCheckpointStore implements CheckpointStore {
  /** The group's table names. */
  readonly tables: CheckpointTables;
  readonly #path: string;
  readonly #group: string;
  readonly #t: QuotedTables;
  readonly #matchTableName: string;
  readonly #matchUpsert: string;
  readonly #stateVersion: number;
  readonly #logger: Logger;
  readonly #claims: ClaimedEpochs;
  readonly #closing = new AbortController();
  #queue: Promise<unknown> = Promise.resolve();
  #db: DatabaseSync | undefined;
  #opened = false;

  /**
   * Creates the store; the file is opened by {@link open}.
   * @param options the file, group, state format, result table and logger
   * @throws {RangeError} if the group is empty, the result table is not a plain identifier or
   *   the state format version is not a whole number >= 1
   */
  constructor(options: SqliteCheckpointStoreOptions) {
    checkStateVersion(options.stateFormatVersion);
    this.tables = checkpointTableNames(options.group);
    this.#path = options.path;
    this.#group = options.group;
    this.#t = quoteTables(this.tables);
    this.#matchTableName = options.matchTable ?? "match_results";
    this.#matchUpsert = sqliteMatchUpsertSql(
      quoteSqlIdentifier(this.#matchTableName, "result table name"),
    );
    this.#stateVersion = options.stateFormatVersion;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#claims = new ClaimedEpochs(options.group);
  }

  /** @inheritdoc */
  open(): Promise<void> {
    return this.#run("open the checkpoint tables", (db) => {
      createCheckpointTables(db, this.#t, this.#group, this.#stateVersion);
      this.#opened = true;
    });
  }

  /** @inheritdoc */
  claim(partitions: readonly PartitionRef[], owner: string): Promise<RestoredPartition[]> {
    return this.#run("claim partitions", (db) => {
      this.#claims.checkClaim(partitions, owner);
      if (!this.#opened) throw new Error("open() was not called");
      const bump = db.prepare(
        `INSERT INTO ${this.#t.partitions} (\`topic\`, \`partition_id\`, \`epoch\`, \`owner\`) ` +
          "VALUES (?, ?, 1, ?) ON CONFLICT (`topic`, `partition_id`) " +
          "DO UPDATE SET `epoch` = `epoch` + 1, `owner` = excluded.`owner`",
      );
      const states = db.prepare(
        `SELECT \`state_key\`, \`state\` FROM ${this.#t.state} ` +
          "WHERE `topic` = ? AND `partition_id` = ?",
      );
      // Arrays rather than an object a row: a quarter faster over a million states. Deno's
      // runtime has node:sqlite's setReturnArrays (Node 22.16), its type declarations not yet.
      (states as StatementSync & { setReturnArrays(enabled: boolean): void })
        .setReturnArrays(true);
      const claimed = immediateTransaction(db, () =>
        partitions.map((ref) => {
          bump.run(ref.topic, ref.partition, owner);
          const map = new Map<string, string>();
          for (const row of states.iterate(ref.topic, ref.partition)) {
            const [key, state] = row as unknown as [string, string];
            map.set(key, state);
          }
          return {
            stored: selectPartitions(db, this.#t, [ref])[0] as StoredPartition,
            states: map,
          };
        }));
      // Epochs count only once committed: a claim that failed fences no one.
      return claimed.map(({ stored, states }) => {
        this.#claims.set(stored, stored.epoch);
        return restoredPartition(stored, states);
      });
    });
  }

  /** @inheritdoc */
  write(checkpoint: Checkpoint): Promise<void> {
    return this.#run("write the checkpoint", (db) => {
      const refs = this.#claims.partitionsOf(checkpoint);
      if (refs.length === 0) return;
      const t = this.#t;
      const upsert = db.prepare(
        `INSERT INTO ${t.state} (\`topic\`, \`partition_id\`, \`state_key\`, \`state\`) ` +
          "VALUES (?, ?, ?, ?) ON CONFLICT (`topic`, `partition_id`, `state_key`) " +
          "DO UPDATE SET `state` = excluded.`state`",
      );
      const remove = db.prepare(
        `DELETE FROM ${t.state} WHERE \`topic\` = ? AND \`partition_id\` = ? AND ` +
          "`state_key` = ?",
      );
      const offsets = db.prepare(
        `UPDATE ${t.partitions} SET \`next_offset\` = ?, \`meta\` = ? ` +
          "WHERE `topic` = ? AND `partition_id` = ?",
      );
      immediateTransaction(db, () => {
        this.#claims.assertCurrent(refs, selectPartitions(db, this.#t, refs));
        // In order, so that of a key given twice the last change counts.
        for (const c of checkpoint.keys) {
          if (c.state === null) remove.run(c.topic, c.partition, c.key);
          else upsert.run(c.topic, c.partition, c.key, c.state);
        }
        for (const p of checkpoint.partitions) {
          offsets.run(BigInt(p.nextOffset), p.meta, p.topic, p.partition);
        }
      });
    });
  }

  /** @inheritdoc */
  writeMatches(rows: readonly MatchRow[], progress: readonly SinkProgress[]): Promise<void> {
    return this.#run("write match rows", (db) => {
      const refs = this.#claims.partitionsOfProgress(rows.length, progress);
      if (refs.length === 0) return;
      const insert = db.prepare(this.#matchUpsert);
      const advance = db.prepare(
        `UPDATE ${this.#t.partitions} SET \`sink_event_time\` = ?, \`sink_offset\` = ? ` +
          "WHERE `topic` = ? AND `partition_id` = ?",
      );
      immediateTransaction(db, () => {
        const stored = selectPartitions(db, this.#t, refs);
        this.#claims.assertCurrent(refs, stored);
        const advanced = advancedProgress(progress, stored);
        if (advanced.length === 0) return;
        for (const row of rows) insert.run(...matchRowParams(row));
        for (const p of advanced) advance.run(p.eventTime, BigInt(p.offset), p.topic, p.partition);
      });
    }, rows);
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#queue;
    this.#disconnect();
  }

  /**
   * Runs one call's work in call order, retrying transient failures; a failure is reported with
   * what it was doing, as a {@link SinkWriteError} of `rows` when there are rows.
   */
  #run<T>(doing: string, work: (db: DatabaseSync) => T, rows?: readonly MatchRow[]): Promise<T> {
    const run = this.#queue.then(async () => {
      try {
        const { value } = await retryTransient(() => work(this.#connect()), {
          signal: this.#closing.signal,
          backoff: { minDelayMs: 50, maxDelayMs: 5_000 },
          // Its own checks' errors quote topics and keys, which must not read as a lock wait.
          isTransient: (error) =>
            !(error instanceof RangeError || error instanceof FencedError) &&
            isTransientSqliteError(error),
          onRetry: (error, attempt) => {
            if (!isSqliteLockError(error)) this.#disconnect();
            // Once per call: the queue holds later calls back, so one outage logs one line.
            if (attempt === 0) {
              this.#logger.log("warn", "Checkpoint store failed, retrying", {
                path: this.#path,
                operation: doing,
                error: sqliteErrorMessage(error),
              });
            }
          },
        });
        return value;
      } catch (error) {
        return rethrowStoreError(error, sqliteErrorMessage, (reason, cause) => {
          const where = `"${this.#path}"`;
          return rows === undefined
            ? new Error(`Cannot ${doing} of group "${this.#group}" in ${where}: ${reason}`, {
              cause,
            })
            : new SinkWriteError(
              `Cannot write ${rows.length} match rows to ${where} table ` +
                `"${this.#matchTableName}": ${reason}`,
              rows,
              { cause },
            );
        });
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  #connect(): DatabaseSync {
    return this.#db ??= openSqliteDatabase(this.#path, { resultTableName: this.#matchTableName });
  }

  #disconnect(): void {
    try {
      this.#db?.close();
    } catch {
      // Already closed: nothing is left to release.
    }
    this.#db = undefined;
  }
}
