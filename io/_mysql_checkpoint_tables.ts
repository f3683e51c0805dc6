/**
 * The layout of the MySQL checkpoint tables: their CREATE statements and the format row that
 * says which layout and state format they hold.
 *
 * Topics and keys are VARBINARY so that they compare byte for byte: a `_bin` collation would
 * still pad trailing spaces (PAD SPACE) on MySQL 8 and MariaDB, and take `"a"` and `"a "` as one
 * key.
 *
 * @module
 */

import { CHECKPOINT_TABLES_VERSION } from "./checkpoint_store.ts";
import type { QuotedTables } from "./_checkpoint_shared.ts";

/** A statement and its values. */
export interface Statement {
  readonly sql: string;
  readonly values: unknown[];
}

/**
 * The format table, created first: the other tables are created only once it says that their
 * layout is this one.
 * @param t the tables
 * @returns CREATE TABLE
 */
export function createFormatTable(t: QuotedTables): string {
  return `CREATE TABLE IF NOT EXISTS ${t.format} ( \`id\` TINYINT NOT NULL PRIMARY KEY, ` +
    "`tables_version` INT NOT NULL, `state_version` INT NOT NULL ) ENGINE=InnoDB";
}

/** The format table's one row. */
export interface FormatRow {
  readonly tables_version: number;
  readonly state_version: number;
}

/**
 * Writes the format row unless there is one: the first edgecep to open the tables sets it.
 * @param t the tables
 * @param stateVersion the state format of the caller
 * @returns INSERT … ON DUPLICATE KEY UPDATE that changes nothing
 */
export function insertFormat(t: QuotedTables, stateVersion: number): Statement {
  return {
    sql: `INSERT INTO ${t.format} (\`id\`, \`tables_version\`, \`state_version\`) ` +
      "VALUES (1, ?, ?) ON DUPLICATE KEY UPDATE `id` = `id`",
    values: [CHECKPOINT_TABLES_VERSION, stateVersion],
  };
}

/**
 * Reads the format row.
 * @param t the tables
 * @returns SELECT of {@link FormatRow}
 */
export function selectFormat(t: QuotedTables): string {
  return `SELECT \`tables_version\`, \`state_version\` FROM ${t.format} WHERE \`id\` = 1`;
}

/**
 * The partition and state tables.
 * @param t the tables
 * @returns two CREATE TABLE statements
 */
export function createDataTables(t: QuotedTables): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${t.partitions} ( \`topic\` VARBINARY(1024) NOT NULL, ` +
    "`partition_id` INT NOT NULL, `epoch` BIGINT NOT NULL, `owner` VARCHAR(255) NOT NULL, " +
    "`next_offset` BIGINT NULL, `meta` LONGTEXT NULL, `sink_event_time` BIGINT NULL, " +
    "`sink_offset` BIGINT NULL, PRIMARY KEY (`topic`, `partition_id`) ) " +
    "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    `CREATE TABLE IF NOT EXISTS ${t.state} ( \`topic\` VARBINARY(1024) NOT NULL, ` +
    "`partition_id` INT NOT NULL, `state_key` VARBINARY(1024) NOT NULL, " +
    "`state` LONGTEXT NOT NULL, PRIMARY KEY (`topic`, `partition_id`, `state_key`) ) " +
    "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
  ];
}
