/**
 * The layout of the SQLite checkpoint tables, as the MySQL one but for SQLite's types: offsets
 * and epochs are 64-bit INTEGERs, topics and keys TEXT (compared byte for byte), and the tables
 * are clustered by their primary key (`WITHOUT ROWID`).
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { CHECKPOINT_TABLES_VERSION } from "./checkpoint_store.ts";
import type { PartitionRef } from "./event_source.ts";
import { checkFormat, type QuotedTables, type StoredPartition } from "./_checkpoint_shared.ts";

/**
 * Creates the format table and its row when missing, checks the format, then creates the other
 * tables when missing: tables of another layout are never touched.
 * @param db the open database
 * @param t the tables
 * @param group the consumer group, for messages
 * @param stateVersion the state format of the caller
 * @throws {RangeError} if the stored format differs
 */
export function createCheckpointTables(
  db: DatabaseSync,
  t: QuotedTables,
  group: string,
  stateVersion: number,
): void {
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${t.format} ( \`id\` INTEGER NOT NULL PRIMARY KEY, ` +
      "`tables_version` INTEGER NOT NULL, `state_version` INTEGER NOT NULL )",
  );
  db.prepare(
    `INSERT INTO ${t.format} (\`id\`, \`tables_version\`, \`state_version\`) ` +
      "VALUES (1, ?, ?) ON CONFLICT DO NOTHING",
  ).run(CHECKPOINT_TABLES_VERSION, stateVersion);
  const row = db.prepare(
    `SELECT \`tables_version\`, \`state_version\` FROM ${t.format} WHERE \`id\` = 1`,
  ).get() as { tables_version: number; state_version: number } | undefined;
  checkFormat(
    group,
    { tables: row?.tables_version ?? NaN, state: row?.state_version ?? NaN },
    stateVersion,
  );
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${t.partitions} ( \`topic\` TEXT NOT NULL, ` +
      "`partition_id` INTEGER NOT NULL, `epoch` INTEGER NOT NULL, `owner` TEXT NOT NULL, " +
      "`next_offset` INTEGER, `meta` TEXT, `sink_event_time` INTEGER, `sink_offset` INTEGER, " +
      "PRIMARY KEY (`topic`, `partition_id`) ) WITHOUT ROWID",
  );
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${t.state} ( \`topic\` TEXT NOT NULL, ` +
      "`partition_id` INTEGER NOT NULL, `state_key` TEXT NOT NULL, `state` TEXT NOT NULL, " +
      "PRIMARY KEY (`topic`, `partition_id`, `state_key`) ) WITHOUT ROWID",
  );
}

/**
 * Reads the rows of some partitions; inside an immediate transaction they stay as read.
 * @param db the open database
 * @param t the tables
 * @param refs the partitions
 * @returns the rows found, in the order of `refs`
 */
export function selectPartitions(
  db: DatabaseSync,
  t: QuotedTables,
  refs: readonly PartitionRef[],
): StoredPartition[] {
  const select = db.prepare(
    "SELECT `epoch`, `owner`, `next_offset`, `meta`, `sink_event_time`, `sink_offset` " +
      `FROM ${t.partitions} WHERE \`topic\` = ? AND \`partition_id\` = ?`,
  );
  // Offsets and epochs are 64-bit: read as bigint, kept as exact strings.
  select.setReadBigInts(true);
  const stored: StoredPartition[] = [];
  for (const ref of refs) {
    const row = select.get(ref.topic, ref.partition);
    if (row === undefined) continue;
    stored.push({
      topic: ref.topic,
      partition: ref.partition,
      epoch: String(row.epoch),
      owner: String(row.owner),
      nextOffset: row.next_offset === null ? null : String(row.next_offset),
      meta: row.meta as string | null,
      sinkProgress: row.sink_offset === null ? null : {
        eventTime: Number(row.sink_event_time),
        offset: String(row.sink_offset),
      },
    });
  }
  return stored;
}
