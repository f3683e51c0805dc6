/**
 * Parses the Flink job's `--jdbcUrl` argument into the settings a MySQL client needs.
 *
 * The quick start passes `jdbc:mysql://HOST:PORT/DB?user=U&password=P`; Connector/J also accepts
 * `user:password@` before the host, and MariaDB's driver uses `jdbc:mariadb://`. Both are accepted.
 *
 * @module
 */

import type { MysqlTls } from "./mysql_tls.ts";

/** A URL scheme this parser accepts, without `jdbc:`. */
export type JdbcScheme = "mysql" | "mariadb";

/** The connection settings carried by a JDBC URL. */
export interface JdbcConfig {
  readonly scheme: JdbcScheme;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** Never print this: use {@link redactJdbcUrl} on the URL instead. */
  readonly password: string;
  /**
   * Every other query parameter (for example `useSSL`), decoded. They are kept so callers can
   * report or honour them, but this module gives none of them a meaning.
   */
  readonly params: ReadonlyMap<string, string>;
  /** How the connection is secured; default `PREFERRED`, as Connector/J's default. */
  readonly tls?: MysqlTls;
}

const SCHEMES: readonly JdbcScheme[] = ["mysql", "mariadb"];
const DEFAULT_PORT = 3306;
/** Connector/J's names for credentials; `password1`..`password3` are its multi-factor ones. */
const PASSWORD_PARAM = /^(?:password\d?)$/i;

/**
 * Parses a `jdbc:mysql://` or `jdbc:mariadb://` URL.
 *
 * Credentials come from `user` and `password` query parameters or from `user:password@` before
 * the host; query parameters win when both are present. Percent-escapes are decoded, but `+` is
 * kept as a plus sign, as Connector/J does, so a password containing `+` needs no escaping.
 *
 * @param url the URL, e.g. `jdbc:mysql://db:3306/cep_demo_db?user=cep&password=secret`
 * @returns the decoded settings; the port defaults to 3306
 * @throws {RangeError} if the URL is malformed or its scheme is not mysql or mariadb; the
 *   message never contains the password
 */
export function parseJdbcUrl(url: string): JdbcConfig {
  if (!url.startsWith("jdbc:")) {
    throw new RangeError(`Invalid JDBC URL: it must start with "jdbc:"`);
  }
  const schemeEnd = url.indexOf("://");
  if (schemeEnd < 0) throw new RangeError(`Invalid JDBC URL: "://" is missing after the scheme`);
  const scheme = url.slice("jdbc:".length, schemeEnd);
  if (!isScheme(scheme)) {
    // Only the part before "://" is quoted: it cannot hold credentials.
    throw new RangeError(`Unsupported JDBC URL scheme "${scheme}"`);
  }
  const rest = url.slice(schemeEnd + 3).replace(/#.*$/s, "");
  const at = userInfoEnd(rest);
  const userInfo = at < 0 ? undefined : rest.slice(0, at);
  const afterUserInfo = rest.slice(at + 1);
  const pathStart = afterUserInfo.search(/[/?]/);
  const hostPort = pathStart < 0 ? afterUserInfo : afterUserInfo.slice(0, pathStart);
  const tail = pathStart < 0 ? "" : afterUserInfo.slice(pathStart);
  const queryStart = tail.indexOf("?");
  const path = queryStart < 0 ? tail : tail.slice(0, queryStart);
  const query = queryStart < 0 ? "" : tail.slice(queryStart + 1);

  const { host, port } = parseHostPort(hostPort);
  const database = decode(path.replace(/^\//, ""), "database name");
  if (database === "") throw new RangeError(`Invalid JDBC URL: the database name is missing`);
  if (database.includes("/")) {
    throw new RangeError(`Invalid JDBC URL: database name "${database}" contains "/"`);
  }

  let user: string | undefined;
  let password: string | undefined;
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(":");
    user = decode(colon < 0 ? userInfo : userInfo.slice(0, colon), "user");
    if (colon >= 0) password = decode(userInfo.slice(colon + 1), "password");
  }
  const params = new Map<string, string>();
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const key = decode(eq < 0 ? pair : pair.slice(0, eq), "query parameter name");
    const isPassword = PASSWORD_PARAM.test(key);
    const value = decode(
      eq < 0 ? "" : pair.slice(eq + 1),
      isPassword ? "password" : `value of "${key}"`,
    );
    if (key === "user") user = value;
    else if (key === "password") password = value;
    else if (!isPassword) params.set(key, value);
  }
  if (user === undefined || user === "") {
    throw new RangeError(`Invalid JDBC URL: the user is missing, add "?user=..."`);
  }
  return { scheme, host, port, database, user, password: password ?? "", params };
}

/**
 * Replaces every password in a JDBC URL with `***`, so the URL can be logged or put in an error.
 * It never throws, even for a malformed URL.
 *
 * @param url any string, usually a JDBC URL
 * @returns the URL with `password=` values and the `user:password@` part masked
 */
export function redactJdbcUrl(url: string): string {
  let redacted = url.replace(/([?&](?:password\d?)=)[^&#]*/gi, "$1***");
  const schemeEnd = redacted.indexOf("://");
  if (schemeEnd < 0) return redacted;
  const rest = redacted.slice(schemeEnd + 3);
  const at = userInfoEnd(rest);
  const colon = rest.indexOf(":");
  if (at >= 0 && colon >= 0 && colon < at) {
    redacted = `${redacted.slice(0, schemeEnd + 3)}${rest.slice(0, colon)}:***${rest.slice(at)}`;
  }
  return redacted;
}

function isScheme(value: string): value is JdbcScheme {
  return (SCHEMES as readonly string[]).includes(value);
}

/**
 * The index of the `@` ending `user:password@`, or -1. The last `@` before the query is taken,
 * so an unescaped `@` or `/` inside the password still parses (and is still redacted).
 */
function userInfoEnd(rest: string): number {
  const queryStart = rest.indexOf("?");
  const authority = queryStart < 0 ? rest : rest.slice(0, queryStart);
  return authority.lastIndexOf("@");
}

// Host and port text is never quoted in errors: when a password holds an unescaped "?" or "#",
// the user info is not recognised and the password would be read as the host or port.
function parseHostPort(hostPort: string): { host: string; port: number } {
  if (hostPort.includes(",")) {
    throw new RangeError(`Invalid JDBC URL: multiple hosts are not supported`);
  }
  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith("[")) {
    // An IPv6 literal: its colons are not the port separator.
    const close = hostPort.indexOf("]");
    if (close < 0) throw new RangeError(`Invalid JDBC URL: an IPv6 host lacks its "]"`);
    host = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) {
      throw new RangeError(`Invalid JDBC URL: unexpected text after the IPv6 host`);
    }
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = hostPort.lastIndexOf(":");
    host = colon < 0 ? hostPort : hostPort.slice(0, colon);
    portText = colon < 0 ? undefined : hostPort.slice(colon + 1);
  }
  if (host === "") throw new RangeError(`Invalid JDBC URL: the host is missing`);
  if (portText === undefined) return { host, port: DEFAULT_PORT };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new RangeError(`Invalid JDBC URL: the port is not a number in 1..65535`);
  }
  return { host, port };
}

/** Decodes percent-escapes; `what` names the part, and the value is never quoted back. */
function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RangeError(`Invalid JDBC URL: the ${what} has a malformed percent-escape`);
  }
}
