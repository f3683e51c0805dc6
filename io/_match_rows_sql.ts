/**
 * The SQL that writes match rows, shared by the match sinks and the checkpoint stores so that a
 * job with checkpoints writes exactly the rows a job without them does.
 *
 * @module
 */

import type { MatchRow } from "./match_sink.ts";

const COLUMNS = "(`rule_id`, `rule_version`, `user_id`, `user_name`, `production_id`)";

/**
 * A multi-row MySQL upsert. On a table with a primary or unique key a row written again replaces
 * its `user_name`; on a table without one it is a plain INSERT. `VALUES(col)` rather than
 * `AS new`: MariaDB rejects the alias, MySQL 5.7 and 8 accept both.
 * @param table the quoted table name
 * @param rows at least one row
 * @returns the statement and its values, five a row
 */
export function mysqlMatchUpsert(
  table: string,
  rows: readonly MatchRow[],
): { sql: string; values: unknown[] } {
  const sql = `INSERT INTO ${table} ${COLUMNS} VALUES ` +
    "(?, ?, ?, ?, ?), ".repeat(rows.length - 1) +
    "(?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE `user_name` = VALUES(`user_name`)";
  const values: unknown[] = [];
  for (const r of rows) values.push(r.ruleId, r.ruleVersion, r.userId, r.userName, r.productionId);
  return { sql, values };
}

/**
 * A one-row SQLite upsert for a prepared statement: `ON CONFLICT` without a target updates on
 * any primary or unique key, as `ON DUPLICATE KEY UPDATE` does, and inserts into a table that
 * has none (SQLite 3.35+).
 * @param table the quoted table name
 * @returns the statement, to run with {@link matchRowParams}
 */
export function sqliteMatchUpsertSql(table: string): string {
  return `INSERT INTO ${table} ${COLUMNS} VALUES (?, ?, ?, ?, ?) ` +
    "ON CONFLICT DO UPDATE SET `user_name` = excluded.`user_name`";
}

/**
 * The values of one row in column order.
 * @param row the row
 * @returns rule id, rule version, user id, user name, production id
 */
export function matchRowParams(row: MatchRow): [string, number, number, string, number] {
  return [row.ruleId, row.ruleVersion, row.userId, row.userName, row.productionId];
}
