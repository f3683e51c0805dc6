/**
 * The rule table's rows as the SQL stores read them, shared by MySQL and SQLite: both run the
 * same SELECT and refuse the same rows, and differ only in how a `version` value arrives.
 *
 * @module
 */

import type { RowProblem, RuleSnapshot } from "./_rule_polling.ts";
import type { RuleRow } from "./rule_store.ts";
import { quoteSqlIdentifier } from "./sql_identifier.ts";

/**
 * The SELECT that reads a rule table; naming the columns keeps extra ones out of the rows.
 * @param tableName the rule table, a plain identifier
 * @returns the statement
 * @throws {RangeError} if the table name is not a plain identifier
 */
export function selectRuleRowsSql(tableName: string): string {
  const table = quoteSqlIdentifier(tableName, "rule table name");
  return `SELECT \`id\`, \`version\`, \`pattern\`, \`function\` FROM ${table}`;
}

/** Options for {@link toRuleSnapshot}. */
export interface ToRuleSnapshotOptions {
  /** The rule table, named in the warnings. */
  readonly tableName: string;
  /** The driver's `version` value as a safe integer, or undefined if it is not one. */
  readonly toVersion: (value: unknown) => number | undefined;
}

/**
 * Converts the rows of one SELECT. Rows whose `id` is NULL or whose `version` is not an integer
 * cannot name a rule, so they become problems; every other row is passed on as stored, since
 * checking `pattern` and `function` is the job of `rules/`.
 * @param rows the driver's rows; anything but an array counts as no rows
 * @param options the table name and version conversion
 * @returns the rules, in row order, and the problems
 */
export function toRuleSnapshot(rows: unknown, options: ToRuleSnapshotOptions): RuleSnapshot {
  const rules: RuleRow[] = [];
  const problems = new Map<string, RowProblem>();
  for (const row of Array.isArray(rows) ? rows as Record<string, unknown>[] : []) {
    const id = row.id === null || row.id === undefined ? undefined : text(row.id);
    const version = options.toVersion(row.version);
    if (id === undefined || version === undefined) {
      const reason = id === undefined
        ? "id is NULL"
        : row.version === null
        ? "version is NULL"
        : `version "${text(row.version)}" is not an integer`;
      const ruleId = id ?? "NULL";
      problems.set(`${ruleId}\u0000${reason}`, {
        message: `Skipping rule row "${ruleId}": ${reason}`,
        fields: { table: options.tableName, ruleId },
      });
      continue;
    }
    rules.push({
      id,
      version,
      pattern: row.pattern === null || row.pattern === undefined ? null : text(row.pattern),
      function: row.function === null || row.function === undefined ? null : text(row.function),
    });
  }
  return { rules, problems };
}

/** BLOB and BINARY columns arrive as bytes; the rule table's text is UTF-8. */
function text(value: unknown): string {
  return value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
}
