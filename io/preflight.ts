/**
 * Start-up checks ("preflight"): before the job reads a record, it logs in to the database and
 * checks the rule and match tables, and reaches the Kafka brokers. A failure that retrying cannot
 * fix (bad credentials, unknown database, a missing or mis-shaped table, TLS refused) stops the
 * start at once with one message that says why; a connection that may come back (refused, timed
 * out, reset) is retried, with a "still waiting for …" line now and then instead of a flood.
 *
 * @module
 */

import { RetryAbortedError, retryTransient } from "./backoff.ts";
import type { JdbcConfig } from "./jdbc_url.ts";
import type { Logger } from "./logger.ts";
import { describeError, errorCode, isTransientMysqlError, MysqlClient } from "./_mysql_client.ts";

/** A start-up failure that retrying cannot fix; its message names the cause, never a password. */
export class PreflightError extends Error {
  /**
   * @param message the cause, e.g. `Database "cep" does not exist on MySQL at "db:3306"`
   * @param options the driver's error as `cause`
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PreflightError";
  }
}

/** How often a "still waiting for …" line may repeat while a transient failure lasts. */
export const WAIT_LOG_INTERVAL_MS = 10_000;

/** Options for {@link waitUntilReachable}. */
export interface WaitUntilReachableOptions {
  /** What is waited for, e.g. `MySQL at "db:3306"`; the log line reads "waiting for <what>". */
  readonly what: string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** The permanent cause of a failure, or undefined if the failure may go away. */
  readonly permanent: (error: unknown) => string | undefined;
  /** A failure for the log line, without credentials. */
  readonly describe: (error: unknown) => string;
}

/**
 * Runs `attempt` until it succeeds, retrying only transient failures.
 * @param attempt one try
 * @param options what is waited for, how failures are classified and logged
 * @returns the attempt's value
 * @throws {PreflightError} for a permanent failure
 * @throws {RetryAbortedError} when the signal aborts first
 */
export async function waitUntilReachable<T>(
  attempt: () => Promise<T>,
  options: WaitUntilReachableOptions,
): Promise<T> {
  const { what, logger } = options;
  const started = Date.now();
  let lastLog: number | undefined;
  try {
    const { value, attempts } = await retryTransient(attempt, {
      signal: options.signal,
      backoff: { minDelayMs: 250, maxDelayMs: 5_000 },
      isTransient: (error) => options.permanent(error) === undefined,
      onRetry: (error) => {
        const now = Date.now();
        if (lastLog !== undefined && now - lastLog < WAIT_LOG_INTERVAL_MS) return;
        const still = lastLog === undefined ? "" : "still ";
        lastLog = now;
        const waitedMs = now - started;
        logger.log("warn", `${still}waiting for ${what}`, {
          waitedMs,
          error: options.describe(error),
        });
      },
    });
    if (attempts > 1) logger.log("info", `${what} reached`, { waitedMs: Date.now() - started });
    return value;
  } catch (error) {
    if (error instanceof RetryAbortedError) throw error;
    throw new PreflightError(options.permanent(error) ?? options.describe(error), { cause: error });
  }
}

/** Options for {@link preflightMysql}. */
export interface MysqlPreflightOptions {
  readonly config: JdbcConfig;
  /** The rule table (`--tableName`). */
  readonly ruleTable: string;
  /** The match table (`--matchTable`), or null when matches are only printed. */
  readonly matchTable: string | null;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/** Columns the job reads from the rule table and writes to the match table. */
const RULE_COLUMNS = ["id", "version", "pattern", "function"];
const MATCH_COLUMNS = ["rule_id", "rule_version", "user_id", "user_name", "production_id"];

/**
 * Logs in to MySQL and checks that the rule table and the match table exist with the columns the
 * job uses. Transient failures are waited out.
 * @param options the database, the tables, logger and signal
 * @throws {PreflightError} naming the cause of a permanent failure
 * @throws {RetryAbortedError} when the signal aborts first
 */
export async function preflightMysql(options: MysqlPreflightOptions): Promise<void> {
  const { config, ruleTable, matchTable } = options;
  const at = `"${config.host}:${config.port}"`;
  const client = new MysqlClient(config, { connectTimeoutMs: 5_000, queryTimeoutMs: 10_000 });
  let columns: Map<string, Set<string>>;
  try {
    columns = await waitUntilReachable(async () => {
      const rows = await client.query(
        "SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS " +
          "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?)",
        [ruleTable, matchTable ?? ruleTable],
      ) as { t: string; c: string }[];
      const byTable = new Map<string, Set<string>>();
      for (const { t, c } of rows) {
        byTable.set(t, (byTable.get(t) ?? new Set()).add(c.toLowerCase()));
      }
      return byTable;
    }, {
      what: `MySQL at ${at}`,
      logger: options.logger,
      signal: options.signal,
      describe: describeError,
      permanent: (error) => permanentMysqlCause(error, config),
    });
  } finally {
    await client.close();
  }
  const where = `in database "${config.database}" on MySQL at ${at}`;
  checkColumns("Rule table", ruleTable, RULE_COLUMNS, columns.get(ruleTable), where);
  if (matchTable !== null) {
    checkColumns("Match table", matchTable, MATCH_COLUMNS, columns.get(matchTable), where);
  }
  const target = `${config.host}:${config.port}`;
  options.logger.log("info", "MySQL tables checked", { ruleTable, matchTable, target });
}

function checkColumns(
  kind: string,
  table: string,
  needed: readonly string[],
  found: ReadonlySet<string> | undefined,
  where: string,
): void {
  if (found === undefined) throw new PreflightError(`${kind} "${table}" does not exist ${where}`);
  const missing = needed.filter((c) => !found.has(c));
  if (missing.length > 0) {
    throw new PreflightError(
      `${kind} "${table}" ${where} lacks column${missing.length > 1 ? "s" : ""} ` +
        `${missing.map((c) => `"${c}"`).join(", ")} (it needs ${needed.join(", ")})`,
    );
  }
}

/** Error codes of TLS certificate checks (Node's names, which Deno's node:tls keeps). */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;

/**
 * The cause of a MySQL failure that retrying cannot fix, or undefined for a transient one.
 * @param error anything the driver threw
 * @param config the connection settings, for the message (never the password)
 * @returns a sentence naming the cause
 */
export function permanentMysqlCause(error: unknown, config: JdbcConfig): string | undefined {
  const at = `"${config.host}:${config.port}"`;
  const code = errorCode(error) ?? "";
  const mode = config.tls?.mode ?? "PREFERRED";
  const detail = describeError(error);
  if (code === "ER_ACCESS_DENIED_ERROR" || code === "ER_ACCESS_DENIED_NO_PASSWORD_ERROR") {
    return `MySQL at ${at} refused the login of user "${config.user}": check the user and the ` +
      `password (EDGECEP_JDBC_PASSWORD or the URL) (${detail})`;
  }
  if (code === "ER_BAD_DB_ERROR") {
    return `Database "${config.database}" does not exist on MySQL at ${at} (${detail})`;
  }
  if (code === "ER_DBACCESS_DENIED_ERROR") {
    return `User "${config.user}" may not use database "${config.database}" on MySQL at ${at} ` +
      `(${detail})`;
  }
  if (code === "HANDSHAKE_NO_SSL_SUPPORT") {
    return `MySQL at ${at} does not offer TLS, which sslMode=${mode} demands (${detail})`;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RangeError) return message;
  if (TLS_CODES.test(code) || /certificate|tls|ssl/i.test(message)) {
    return `TLS to MySQL at ${at} failed under sslMode=${mode} (${detail})`;
  }
  if (isTransientMysqlError(error)) return undefined;
  return `MySQL at ${at} refused the job (${detail})`;
}
