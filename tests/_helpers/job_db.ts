/**
 * The quick start's tables under names a test chooses, and the quick start's `--jdbcUrl` form,
 * for end-to-end tests of the job against the MariaDB of `mariadb.ts`.
 *
 * @module
 */

import { DEMO_FUNCTION, type MariaDb, QUICK_START_TABLES } from "./mariadb.ts";

/** A `match_results` row as `[rule_id, rule_version, user_id, user_name, production_id]`. */
export type ResultRow = [number, number, number, string, number];

/**
 * `jdbc:mysql://HOST:PORT/DB?user=U&password=P`: the quick start's form, with nothing added.
 * @param db the server
 * @returns the URL, user and password percent-encoded
 */
export function quickStartJdbcUrl(db: MariaDb): string {
  const { host, port, database, user, password } = db.config;
  const query = `user=${encodeURIComponent(user)}&password=${encodeURIComponent(password)}`;
  return `jdbc:mysql://${host}:${port}/${database}?${query}`;
}

/**
 * Creates the quick start's two tables (its exact DDL) under other names.
 * @param db the server
 * @param names the rule table (instead of `rds_demo`) and result table (`match_results`)
 */
export async function createQuickStartTables(
  db: MariaDb,
  names: { readonly rules: string; readonly results: string },
): Promise<void> {
  const ddl = QUICK_START_TABLES
    .replace("CREATE TABLE rds_demo", `CREATE TABLE ${names.rules}`)
    .replace("CREATE TABLE match_results", `CREATE TABLE ${names.results}`);
  await db.query(ddl);
}

/**
 * Inserts one rule row.
 * @param db the server
 * @param table the rule table
 * @param row id, version, pattern (an object is serialized) and function (default: the demo's)
 */
export async function insertRule(
  db: MariaDb,
  table: string,
  row: { id: string; version: number; pattern: unknown; function?: string },
): Promise<void> {
  const pattern = typeof row.pattern === "string" ? row.pattern : JSON.stringify(row.pattern);
  await db.query(
    `INSERT INTO ${table} (\`id\`, \`version\`, \`pattern\`, \`function\`) VALUES (?, ?, ?, ?)`,
    [row.id, row.version, pattern, row.function ?? DEMO_FUNCTION],
  );
}

/**
 * Reads a result table in key order.
 * @param db the server
 * @param table the result table
 * @returns its rows
 */
export async function resultRows(db: MariaDb, table: string): Promise<ResultRow[]> {
  const rows = await db.rows(
    `SELECT * FROM ${table} ORDER BY rule_id, rule_version, user_id, production_id`,
  );
  return rows.map((r): ResultRow => [
    Number(r.rule_id),
    Number(r.rule_version),
    Number(r.user_id),
    String(r.user_name),
    Number(r.production_id),
  ]);
}
