/**
 * Keeps checkpoints and match rows in MySQL/MariaDB (InnoDB) tables named after the consumer
 * group, each write one real transaction.
 *
 * @module
 */

import { retryTransient } from "./backoff.ts";
import {
  type Checkpoint,
  type CheckpointStore,
  checkpointTableNames,
  type CheckpointTables,
  type PartitionRef,
  type RestoredPartition,
  type SinkProgress,
} from "./checkpoint_store.ts";
import type { JdbcConfig } from "./jdbc_url.ts";
import { type Logger, SILENT_LOGGER } from "./logger.ts";
import { type MatchRow, SinkWriteError } from "./match_sink.ts";
import { quoteSqlIdentifier } from "./sql_identifier.ts";
import { ClaimedEpochs } from "./_checkpoint_claims.ts";
import {
  advancedProgress,
  checkFormat,
  checkStateVersion,
  partitionId,
  type QuotedTables,
  quoteTables,
  restoredPartition,
  rethrowStoreError,
  type StoredPartition,
} from "./_checkpoint_shared.ts";
import { mysqlMatchUpsert } from "./_match_rows_sql.ts";
import {
  describeError,
  isTransientMysqlError,
  MysqlClient,
  type MysqlQuery,
} from "./_mysql_client.ts";
import * as checkpointSql from "./_mysql_checkpoint_sql.ts";
import * as checkpointTables from "./_mysql_checkpoint_tables.ts";

/** Options for {@link MysqlCheckpointStore}. */
export interface MysqlCheckpointStoreOptions {
  /** The database, usually from `parseJdbcUrl(--jdbcUrl)`. */
  readonly config: JdbcConfig;
  /** The consumer group: its tables are named after it (see {@link checkpointTableNames}). */
  readonly group: string;
  /** The format of the states and meta the caller stores; a checkpoint of another is refused. */
  readonly stateFormatVersion: number;
  /** The result table; default `match_results`. A plain identifier. */
  readonly matchTable?: string;
  /** Where retries are reported; default silent. */
  readonly logger?: Logger;
}

/** States read per query at restore. */
const PAGE_ROWS = 10_000;
/** Match rows per INSERT, as {@link SqlMatchSink}'s default. */
const MATCH_ROWS = 500;
const WARN_EVERY_MS = 30_000;

/**
 * A {@link CheckpointStore} on MySQL/MariaDB. Checkpoints (`open`, `claim`, `write`) and match
 * rows (`writeMatches`) use one connection each, so that a large checkpoint never holds match
 * rows back; each kind runs one call at a time in call order. Every write is one transaction
 * that locks its partition rows (`SELECT … FOR UPDATE`, in primary key order, last, so that the
 * locks are short) to check the claim's epoch. Transient failures (connection lost, restarts,
 * deadlocks, lock waits) are retried whole with backoff until they succeed or the store closes.
 */
export class MysqlCheckpointStore implements CheckpointStore {
  /** The group's table names. */
  readonly tables: CheckpointTables;
  readonly #group: string;
  readonly #t: QuotedTables;
  readonly #matchTable: string;
  readonly #stateVersion: number;
  readonly #logger: Logger;
  readonly #checkpoints: MysqlClient;
  readonly #matches: MysqlClient;
  readonly #claims: ClaimedEpochs;
  readonly #closing = new AbortController();
  #checkpointQueue: Promise<unknown> = Promise.resolve();
  #matchQueue: Promise<unknown> = Promise.resolve();
  #opened = false;
  #retries = 0;
  #lastWarnAt = -Infinity;

  /**
   * Creates the store; nothing is opened until {@link open}.
   * @param options the database, group, state format, result table and logger
   * @throws {RangeError} if the group is empty, the result table is not a plain identifier or
   *   the state format version is not a whole number >= 1
   */
  constructor(options: MysqlCheckpointStoreOptions) {
    checkStateVersion(options.stateFormatVersion);
    this.tables = checkpointTableNames(options.group);
    this.#group = options.group;
    this.#t = quoteTables(this.tables);
    this.#matchTable = quoteSqlIdentifier(
      options.matchTable ?? "match_results",
      "result table name",
    );
    this.#stateVersion = options.stateFormatVersion;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#checkpoints = new MysqlClient(options.config);
    this.#matches = new MysqlClient(options.config);
    this.#claims = new ClaimedEpochs(options.group);
  }

  /** How many transactions were retried after a transient failure. */
  get retries(): number {
    return this.#retries;
  }

  /** @inheritdoc */
  open(): Promise<void> {
    return this.#enqueueCheckpoint(async () => {
      const query = (sql: string, values: readonly unknown[] = []) =>
        this.#retry("open", () => this.#checkpoints.query(sql, values));
      await query(checkpointTables.createFormatTable(this.#t));
      const insert = checkpointTables.insertFormat(this.#t, this.#stateVersion);
      await query(insert.sql, insert.values);
      const [row] = await query(
        checkpointTables.selectFormat(this.#t),
      ) as checkpointTables.FormatRow[];
      checkFormat(
        this.#group,
        { tables: row?.tables_version ?? NaN, state: row?.state_version ?? NaN },
        this.#stateVersion,
      );
      for (const sql of checkpointTables.createDataTables(this.#t)) await query(sql);
      this.#opened = true;
    }, "open the checkpoint tables");
  }

  /** @inheritdoc */
  claim(partitions: readonly PartitionRef[], owner: string): Promise<RestoredPartition[]> {
    return this.#enqueueCheckpoint(async () => {
      this.#claims.checkClaim(partitions, owner);
      if (!this.#opened) throw new Error("open() was not called");
      if (partitions.length === 0) return [];
      const rows = await this.#retry("claim", () =>
        this.#checkpoints.transaction(async (query) => {
          const bump = checkpointSql.claimPartitions(this.#t, partitions, owner);
          await query(bump.sql, bump.values);
          const select = checkpointSql.selectPartitions(this.#t, partitions, false);
          return await query(select.sql, select.values) as checkpointSql.PartitionRow[];
        }));
      const stored = rows.map(checkpointSql.toStoredPartition);
      const byId = new Map(stored.map((partition) => [partitionId(partition), partition]));
      const restored: RestoredPartition[] = [];
      for (const ref of partitions) {
        const partition = byId.get(partitionId(ref)) as StoredPartition;
        this.#claims.set(ref, partition.epoch);
        restored.push(restoredPartition(partition, await this.#readStates(ref)));
      }
      return restored;
    }, "claim partitions");
  }

  /** @inheritdoc */
  write(checkpoint: Checkpoint): Promise<void> {
    return this.#enqueueCheckpoint(async () => {
      const refs = this.#claims.partitionsOf(checkpoint);
      if (refs.length === 0) return;
      const statements = checkpointSql.keyChangeStatements(this.#t, checkpoint.keys);
      await this.#retry("write", () =>
        this.#checkpoints.transaction(async (query) => {
          for (const s of statements) await query(s.sql, s.values);
          await this.#lockAndCheck(query, refs);
          for (const p of checkpoint.partitions) {
            const update = checkpointSql.updateOffset(this.#t, p);
            await query(update.sql, update.values);
          }
        }));
    }, "write the checkpoint");
  }

  /** @inheritdoc */
  writeMatches(rows: readonly MatchRow[], progress: readonly SinkProgress[]): Promise<void> {
    const run = this.#matchQueue.then(async () => {
      try {
        const refs = this.#claims.partitionsOfProgress(rows.length, progress);
        if (refs.length === 0) return;
        await this.#retry("writeMatches", () =>
          this.#matches.transaction(async (query) => {
            const stored = await this.#lockAndCheck(query, refs);
            const advanced = advancedProgress(progress, stored);
            if (advanced.length === 0) return;
            for (let start = 0; start < rows.length; start += MATCH_ROWS) {
              const upsert = mysqlMatchUpsert(
                this.#matchTable,
                rows.slice(start, start + MATCH_ROWS),
              );
              await query(upsert.sql, upsert.values);
            }
            for (const p of advanced) {
              const update = checkpointSql.updateSinkProgress(this.#t, p);
              await query(update.sql, update.values);
            }
          }));
      } catch (error) {
        rethrowStoreError(error, describeError, (reason, cause) =>
          new SinkWriteError(
            `Cannot write ${rows.length} match rows to "${this.#matches.target}": ${reason}`,
            rows,
            { cause },
          ));
      }
    });
    this.#matchQueue = run.catch(() => {});
    return run;
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.all([this.#checkpointQueue, this.#matchQueue]);
    await Promise.all([this.#checkpoints.close(), this.#matches.close()]);
  }

  async #lockAndCheck(query: MysqlQuery, refs: readonly PartitionRef[]) {
    const lock = checkpointSql.selectPartitions(this.#t, refs, true);
    const stored = (await query(lock.sql, lock.values) as checkpointSql.PartitionRow[]).map(
      checkpointSql.toStoredPartition,
    );
    this.#claims.assertCurrent(refs, stored);
    return stored;
  }

  async #readStates(ref: PartitionRef): Promise<Map<string, string>> {
    const states = new Map<string, string>();
    let after: string | undefined;
    for (;;) {
      const page = checkpointSql.selectStatePage(this.#t, ref, after, PAGE_ROWS);
      const rows = await this.#retry(
        "restore",
        () => this.#checkpoints.query(page.sql, page.values),
      ) as { key_text: string; state: string }[];
      for (const row of rows) states.set(row.key_text, row.state);
      if (rows.length < PAGE_ROWS) return states;
      after = rows[rows.length - 1]?.key_text;
    }
  }

  /** Runs checkpoint work in call order; a failure is reported with what it was doing. */
  #enqueueCheckpoint<T>(work: () => Promise<T>, doing: string): Promise<T> {
    const run = this.#checkpointQueue.then(async () => {
      try {
        return await work();
      } catch (error) {
        return rethrowStoreError(error, describeError, (reason, cause) =>
          new Error(
            `Cannot ${doing} of group "${this.#group}" on "${this.#checkpoints.target}": ${reason}`,
            { cause },
          ));
      }
    });
    this.#checkpointQueue = run.catch(() => {});
    return run;
  }

  async #retry<T>(operation: string, attempt: () => Promise<T>): Promise<T> {
    const { value, attempts } = await retryTransient(attempt, {
      signal: this.#closing.signal,
      backoff: { maxDelayMs: 5_000 },
      isTransient: isTransientMysqlError,
      onRetry: (error) => {
        this.#retries += 1;
        // Rate-limited: an outage would otherwise log several lines a second for its length.
        const now = Date.now();
        if (now - this.#lastWarnAt < WARN_EVERY_MS) return;
        this.#lastWarnAt = now;
        this.#logger.log("warn", "Checkpoint store failed, retrying", {
          target: this.#checkpoints.target,
          operation,
          retries: this.#retries,
          error: describeError(error),
        });
      },
    });
    if (attempts > 1) {
      this.#logger.log("info", "Checkpoint store succeeded after retries", {
        target: this.#checkpoints.target,
        operation,
        attempts,
      });
    }
    return value;
  }
}
