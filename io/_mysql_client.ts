/**
 * One lazily opened MySQL connection that is replaced after it breaks, shared by the rule store
 * and the match sink. Both issue one statement at a time, so a pool would only add idle sockets.
 *
 * @module
 */

import mysql from "mysql2/promise";
import type { Connection, ConnectionOptions } from "mysql2/promise";
import type { JdbcConfig } from "./jdbc_url.ts";

/** Options for {@link MysqlClient}. */
export interface MysqlClientOptions {
  /** How long opening a connection may take; default 5 000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long a statement may stay silent before the connection is dropped; default 30 000 ms. */
  readonly queryTimeoutMs?: number;
}

/** One statement inside {@link MysqlClient.transaction}; as {@link MysqlClient.query}. */
export type MysqlQuery = (sql: string, values?: readonly unknown[]) => Promise<unknown>;

/** A MySQL connection that reconnects on the next call after a failure. */
export class MysqlClient {
  /** `host:port/database`, safe to log: it never includes credentials. */
  readonly target: string;
  readonly #config: JdbcConfig;
  readonly #connectTimeoutMs: number;
  readonly #queryTimeoutMs: number;
  #connection: Connection | undefined;
  #connecting: Promise<Connection> | undefined;
  #closed = false;
  /** Set once a server under sslMode PREFERRED said it has no TLS, as Connector/J falls back. */
  #plainOnly = false;

  /**
   * Creates a client; nothing is opened until the first query.
   * @param config where to connect
   * @param options timeouts
   */
  constructor(config: JdbcConfig, options: MysqlClientOptions = {}) {
    this.#config = config;
    this.target = `${config.host}:${config.port}/${config.database}`;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#queryTimeoutMs = options.queryTimeoutMs ?? 30_000;
  }

  /**
   * Runs one statement, opening a connection first if there is none.
   * @param sql the statement, with `?` placeholders
   * @param values values for the placeholders, escaped by mysql2
   * @returns rows for a query, a result header for a write
   * @throws {Error} the driver's error; after a connection-level failure the next call reconnects
   */
  async query(sql: string, values: readonly unknown[] = []): Promise<unknown> {
    if (this.#closed) throw new Error(`Cannot query "${this.target}": the client is closed`);
    return await this.#run(await this.#connect(), sql, values);
  }

  /**
   * Runs `body` in one transaction on one connection, so that its statements commit together
   * or not at all: a reconnect in the middle would otherwise run the rest in autocommit mode.
   * @param body the work; every statement goes through the `query` it is given
   * @returns what `body` returns, once committed
   * @throws whatever a statement, `body` or COMMIT throws, after a rollback (or after dropping
   *   the connection, which makes the server roll back). When COMMIT itself fails the outcome is
   *   unknown: a caller that retries must make the transaction idempotent.
   */
  async transaction<T>(body: (query: MysqlQuery) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error(`Cannot query "${this.target}": the client is closed`);
    const connection = await this.#connect();
    const query: MysqlQuery = (sql, values = []) => this.#run(connection, sql, values);
    await query("START TRANSACTION");
    try {
      const result = await body(query);
      await query("COMMIT");
      return result;
    } catch (error) {
      await query("ROLLBACK").catch(() => this.#drop(connection));
      throw error;
    }
  }

  async #run(connection: Connection, sql: string, values: readonly unknown[]): Promise<unknown> {
    try {
      const [result] = await connection.query({
        sql,
        values: values as unknown[],
        timeout: this.#queryTimeoutMs,
      });
      return result;
    } catch (error) {
      // A timed-out statement may still answer later, which would confuse the next one.
      if (isFatal(error) || errorCode(error) === "PROTOCOL_SEQUENCE_TIMEOUT") {
        this.#drop(connection);
      }
      throw error;
    }
  }

  /** Closes the connection, waiting for a statement in flight; later queries throw. */
  async close(): Promise<void> {
    this.#closed = true;
    const connection = this.#connection ?? await this.#connecting?.catch(() => undefined);
    this.#connection = undefined;
    if (connection === undefined) return;
    try {
      await connection.end();
    } catch {
      connection.destroy();
    }
  }

  #connect(): Promise<Connection> {
    if (this.#connection !== undefined) return Promise.resolve(this.#connection);
    this.#connecting ??= this.#open().then((connection) => {
      // Without a listener, an idle connection's "error" event would crash the process.
      connection.on("error", () => this.#drop(connection));
      if (this.#closed) {
        connection.destroy();
        throw new Error(`Cannot query "${this.target}": the client is closed`);
      }
      this.#connection = connection;
      return connection;
    }).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** Opens a connection secured as the URL's `sslMode` says (Connector/J's meanings). */
  async #open(): Promise<Connection> {
    const base: ConnectionOptions = {
      host: this.#config.host,
      port: this.#config.port,
      user: this.#config.user,
      password: this.#config.password,
      database: this.#config.database,
      connectTimeout: this.#connectTimeoutMs,
      // BIGINT and DECIMAL arrive as exact strings rather than rounded numbers.
      supportBigNumbers: true,
      bigNumberStrings: true,
    };
    const { mode, caFile } = this.#config.tls ?? { mode: "PREFERRED" };
    if (mode === "DISABLED" || (mode === "PREFERRED" && this.#plainOnly)) {
      return await mysql.createConnection(base);
    }
    if (mode === "PREFERRED") {
      try {
        return await mysql.createConnection({ ...base, ssl: { rejectUnauthorized: false } });
      } catch (error) {
        if (errorCode(error) !== "HANDSHAKE_NO_SSL_SUPPORT") throw error;
        this.#plainOnly = true;
        return await mysql.createConnection(base);
      }
    }
    let ca: string | undefined;
    if (caFile !== undefined) {
      try {
        ca = await Deno.readTextFile(caFile);
      } catch (error) {
        throw new RangeError(
          `Cannot read --jdbcSslCaFile "${caFile}": ${(error as Error).message}`,
        );
      }
    }
    return await mysql.createConnection({
      ...base,
      ssl: {
        ...(ca === undefined ? {} : { ca }),
        // REQUIRED encrypts without checking the certificate, as in Connector/J.
        rejectUnauthorized: mode !== "REQUIRED",
        verifyIdentity: mode === "VERIFY_IDENTITY",
      },
    });
  }

  #drop(connection: Connection): void {
    if (this.#connection === connection) this.#connection = undefined;
    connection.destroy();
  }
}

/** Codes of failures that go away by themselves: network trouble, restarts, lock contention. */
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EADDRNOTAVAIL",
  "EAI_AGAIN",
  // A name that does not resolve yet is common while a database container starts.
  "ENOTFOUND",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_TOO_MANY_USER_CONNECTIONS",
  "ER_SERVER_SHUTDOWN",
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_LOCK_DEADLOCK",
  "ER_QUERY_INTERRUPTED",
  "ER_CONNECTION_KILLED",
  "ER_NET_READ_ERROR",
  "ER_NET_READ_INTERRUPTED",
  "ER_NET_ERROR_ON_WRITE",
  "ER_NET_WRITE_INTERRUPTED",
  "ER_CLIENT_INTERACTION_TIMEOUT",
  // A read-only server is usually a replica being promoted during a failover.
  "ER_OPTION_PREVENTS_STATEMENT",
]);

/**
 * Tells whether retrying the same statement later may succeed.
 * @param error anything thrown by {@link MysqlClient.query}
 * @returns true for connection, restart and lock failures; false for data, schema and
 *   authentication errors, which repeat until a person acts
 */
export function isTransientMysqlError(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  // mysql2 reports a closed connection ("Can't add new command when connection is in closed
  // state") as fatal with no server errno; handshake and auth failures carry a code.
  return isFatal(error) && code === undefined && errorErrno(error) === undefined;
}

/**
 * The driver's error code, e.g. `ER_LOCK_DEADLOCK` or `ECONNREFUSED`.
 * @param error anything thrown
 * @returns the code, or undefined
 */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * The server's numeric error, e.g. 1264 for a value out of range.
 * @param error anything thrown
 * @returns the errno, or undefined
 */
export function errorErrno(error: unknown): number | undefined {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === "number" ? errno : undefined;
}

/**
 * A one-line description of a failure for logs, without credentials.
 * @param error anything thrown
 * @returns e.g. `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:3306`
 */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  return code === undefined ? message : `${code}: ${message}`;
}

function isFatal(error: unknown): boolean {
  return (error as { fatal?: unknown } | null)?.fatal === true;
}
