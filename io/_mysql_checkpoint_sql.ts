/**
 * The statements on the MySQL checkpoint tables, sized for many keys. Topics and keys (VARBINARY,
 * see `_mysql_checkpoint_tables.ts`) are written as text, stored as its UTF-8 bytes, and read
 * back through `CONVERT(… USING utf8mb4)`, which mysql2 returns as text.
 *
 * @module
 */

import type {
  KeyStateChange,
  PartitionCheckpoint,
  PartitionRef,
  SinkProgress,
} from "./checkpoint_store.ts";
import { partitionId, type QuotedTables, type StoredPartition } from "./_checkpoint_shared.ts";
import type { Statement } from "./_mysql_checkpoint_tables.ts";

/** Rows a multi-row statement carries at most. */
const MAX_ROWS = 2_000;
/**
 * Characters a statement carries at most: in UTF-8 and escaped, well under MariaDB's default
 * 16 MiB `max_allowed_packet`.
 */
const MAX_BYTES = 2 * 1024 * 1024;

/**
 * Reads (and with `forUpdate` locks, in primary key order) the rows of some partitions.
 * @param t the tables
 * @param refs at least one partition
 * @param forUpdate lock the rows until the transaction ends
 * @returns SELECT of topic, partition_id, epoch, owner, next_offset, meta, sink columns
 */
export function selectPartitions(
  t: QuotedTables,
  refs: readonly PartitionRef[],
  forUpdate: boolean,
): Statement {
  return {
    sql:
      "SELECT CONVERT(`topic` USING utf8mb4) AS `topic_text`, `partition_id`, `epoch`, `owner`, " +
      "`next_offset`, `meta`, `sink_event_time`, `sink_offset` " +
      `FROM ${t.partitions} WHERE (\`topic\`, \`partition_id\`) IN (` +
      refs.map(() => "(?, ?)").join(", ") + ")" +
      (forUpdate ? " ORDER BY `topic`, `partition_id` FOR UPDATE" : ""),
    values: refs.flatMap((ref) => [ref.topic, ref.partition]),
  };
}

/** A row of {@link selectPartitions}; BIGINT columns arrive as strings. */
export interface PartitionRow {
  readonly topic_text: string;
  readonly partition_id: number;
  readonly epoch: string;
  readonly owner: string;
  readonly next_offset: string | null;
  readonly meta: string | null;
  readonly sink_event_time: string | null;
  readonly sink_offset: string | null;
}

/**
 * A partition row as the stores share it.
 * @param row the row
 * @returns the partition
 */
export function toStoredPartition(row: PartitionRow): StoredPartition {
  return {
    topic: row.topic_text,
    partition: row.partition_id,
    epoch: String(row.epoch),
    owner: row.owner,
    nextOffset: row.next_offset === null ? null : String(row.next_offset),
    meta: row.meta,
    sinkProgress: row.sink_offset === null ? null : {
      eventTime: Number(row.sink_event_time),
      offset: String(row.sink_offset),
    },
  };
}

/**
 * Creates missing partition rows at epoch 1 and bumps the others' epochs.
 * @param t the tables
 * @param refs at least one partition
 * @param owner who claims them
 * @returns INSERT … ON DUPLICATE KEY UPDATE
 */
export function claimPartitions(
  t: QuotedTables,
  refs: readonly PartitionRef[],
  owner: string,
): Statement {
  // Rows are locked in VALUES order: primary key order, as every other locking statement, so
  // that two claims or a claim and a write do not deadlock on each other.
  const sorted = [...refs].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1
  );
  return {
    sql: `INSERT INTO ${t.partitions} (\`topic\`, \`partition_id\`, \`epoch\`, \`owner\`) VALUES ` +
      sorted.map(() => "(?, ?, 1, ?)").join(", ") +
      " ON DUPLICATE KEY UPDATE `epoch` = `epoch` + 1, `owner` = VALUES(`owner`)",
    values: sorted.flatMap((ref) => [ref.topic, ref.partition, owner]),
  };
}

/**
 * Sets a partition's next offset and meta.
 * @param t the tables
 * @param p the partition's checkpoint
 * @returns UPDATE
 */
export function updateOffset(t: QuotedTables, p: PartitionCheckpoint): Statement {
  return {
    sql: `UPDATE ${t.partitions} SET \`next_offset\` = ?, \`meta\` = ? ` +
      "WHERE `topic` = ? AND `partition_id` = ?",
    values: [p.nextOffset, p.meta, p.topic, p.partition],
  };
}

/**
 * Sets a partition's sink progress.
 * @param t the tables
 * @param p the new progress
 * @returns UPDATE
 */
export function updateSinkProgress(t: QuotedTables, p: SinkProgress): Statement {
  return {
    sql: `UPDATE ${t.partitions} SET \`sink_event_time\` = ?, \`sink_offset\` = ? ` +
      "WHERE `topic` = ? AND `partition_id` = ?",
    values: [p.eventTime, p.offset, p.topic, p.partition],
  };
}

/**
 * One page of a partition's states in key order, from after `afterKey`: keyset paging reads
 * the primary key in ranges, so each page costs the same however far it is.
 * @param t the tables
 * @param ref the partition
 * @param afterKey the last key of the previous page, or undefined for the first
 * @param limit rows per page
 * @returns SELECT of `key_text`, `state`
 */
export function selectStatePage(
  t: QuotedTables,
  ref: PartitionRef,
  afterKey: string | undefined,
  limit: number,
): Statement {
  return {
    // Aliased apart from the column: ORDER BY an alias named like it would sort the converted
    // text of every remaining row instead of reading the primary key in order.
    sql: "SELECT CONVERT(`state_key` USING utf8mb4) AS `key_text`, `state` " +
      `FROM ${t.state} WHERE \`topic\` = ? AND \`partition_id\` = ?` +
      (afterKey === undefined ? "" : " AND `state_key` > ?") +
      ` ORDER BY \`state_key\` LIMIT ${limit}`,
    values: afterKey === undefined
      ? [ref.topic, ref.partition]
      : [ref.topic, ref.partition, afterKey],
  };
}

/**
 * The statements that apply key changes: multi-row upserts, then deletes by partition, each at
 * most {@link MAX_ROWS} rows and about {@link MAX_BYTES} characters. Of a key given twice the last change
 * counts.
 * @param t the tables
 * @param changes the changes
 * @returns the statements, in any order among themselves
 */
export function keyChangeStatements(
  t: QuotedTables,
  changes: readonly KeyStateChange[],
): Statement[] {
  const last = new Map<string, KeyStateChange>();
  for (const change of changes) last.set(`${partitionId(change)}\u0000${change.key}`, change);
  const upserts: KeyStateChange[] = [];
  const deletes = new Map<string, KeyStateChange[]>();
  for (const change of last.values()) {
    if (change.state !== null) upserts.push(change);
    else {
      const id = partitionId(change);
      const list = deletes.get(id);
      if (list === undefined) deletes.set(id, [change]);
      else list.push(change);
    }
  }
  const statements: Statement[] = [];
  for (const chunk of chunks(upserts, (c) => c.key.length + (c.state?.length ?? 0))) {
    statements.push({
      sql: `INSERT INTO ${t.state} (\`topic\`, \`partition_id\`, \`state_key\`, \`state\`) ` +
        "VALUES " + "(?, ?, ?, ?), ".repeat(chunk.length - 1) +
        "(?, ?, ?, ?) ON DUPLICATE KEY UPDATE `state` = VALUES(`state`)",
      values: chunk.flatMap((c) => [c.topic, c.partition, c.key, c.state]),
    });
  }
  for (const list of deletes.values()) {
    for (const chunk of chunks(list, (c) => c.key.length)) {
      const first = chunk[0] as KeyStateChange;
      statements.push({
        sql: `DELETE FROM ${t.state} WHERE \`topic\` = ? AND \`partition_id\` = ? AND ` +
          "`state_key` IN (" + "?, ".repeat(chunk.length - 1) + "?)",
        values: [first.topic, first.partition, ...chunk.map((c) => c.key)],
      });
    }
  }
  return statements;
}

/** Splits items into runs of at most {@link MAX_ROWS} and about {@link MAX_BYTES} each. */
function chunks<T>(items: readonly T[], size: (item: T) => number): T[][] {
  const result: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = size(item) + 32;
    if (current.length > 0 && (current.length === MAX_ROWS || bytes + itemBytes > MAX_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += itemBytes;
  }
  if (current.length > 0) result.push(current);
  return result;
}
