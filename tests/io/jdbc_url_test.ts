import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import mysql from "mysql2/promise";
import { parseJdbcUrl, redactJdbcUrl } from "../../io/jdbc_url.ts";
import { startMariaDb } from "../_helpers/mariadb.ts";

/** Asserts a RangeError whose message is `message` and never shows the password. */
function assertRangeError(url: string, message: string | RegExp) {
  let caught: unknown;
  try {
    parseJdbcUrl(url);
  } catch (error) {
    caught = error;
  }
  assert(caught instanceof RangeError, `expected a RangeError for ${redactJdbcUrl(url)}`);
  if (typeof message === "string") assertEquals(caught.message, message);
  else assert.match(caught.message, message);
  assert(!caught.message.includes("s3cret"), caught.message);
}

Deno.test("parseJdbcUrl() reads host, port, database and credentials of the quick start's form", () => {
  const config = parseJdbcUrl(
    "jdbc:mysql://rm-bp1.mysql.rds.aliyuncs.com:3306/cep_demo_db?user=cep&password=s3cret",
  );
  assertEquals(config, {
    scheme: "mysql",
    host: "rm-bp1.mysql.rds.aliyuncs.com",
    port: 3306,
    database: "cep_demo_db",
    user: "cep",
    password: "s3cret",
    params: new Map(),
  });
});

Deno.test("parseJdbcUrl() defaults the port to 3306 when the URL has none", () => {
  assertEquals(parseJdbcUrl("jdbc:mariadb://db/cep_demo_db?user=cep").port, 3306);
});

Deno.test("parseJdbcUrl() accepts the mariadb scheme", () => {
  assertEquals(parseJdbcUrl("jdbc:mariadb://db:3307/x?user=u").scheme, "mariadb");
});

Deno.test("parseJdbcUrl() decodes percent-escapes and keeps plus signs in credentials", () => {
  const config = parseJdbcUrl("jdbc:mysql://db/cep_demo_db?user=a%40b&password=p%26q%3D1+2%25");
  assertEquals([config.user, config.password], ["a@b", "p&q=1+2%"]);
});

Deno.test("parseJdbcUrl() defaults the password to empty when the URL has none", () => {
  assertEquals(parseJdbcUrl("jdbc:mysql://db/d?user=u").password, "");
});

Deno.test("parseJdbcUrl() reads user:password@ and lets query parameters win", () => {
  const config = parseJdbcUrl("jdbc:mysql://u1:p%2F1@db:3306/d?password=p2");
  assertEquals([config.user, config.password, config.host], ["u1", "p2", "db"]);
  const unescaped = parseJdbcUrl("jdbc:mysql://u:pa/s@s@db/d");
  assertEquals([unescaped.user, unescaped.password, unescaped.host], ["u", "pa/s@s", "db"]);
});

Deno.test("parseJdbcUrl() keeps other query parameters but not passwords in params", () => {
  const config = parseJdbcUrl(
    "jdbc:mysql://db/d?user=u&password=s3cret&useSSL=false&password1=s3cret&characterEncoding=utf8",
  );
  assertEquals(config.params, new Map([["useSSL", "false"], ["characterEncoding", "utf8"]]));
});

Deno.test("parseJdbcUrl() reads a bracketed IPv6 host", () => {
  const config = parseJdbcUrl("jdbc:mysql://[::1]:3307/d?user=u");
  assertEquals([config.host, config.port], ["::1", 3307]);
});

Deno.test("parseJdbcUrl() throws RangeError when the scheme is not mysql or mariadb", () => {
  assertRangeError(
    "jdbc:postgresql://db/d?user=u&password=s3cret",
    'Unsupported JDBC URL scheme "postgresql"',
  );
  assertRangeError("jdbc:mysql:loadbalance://db/d?user=u", /^Unsupported JDBC URL scheme/);
});

Deno.test("parseJdbcUrl() throws RangeError naming the problem when the URL is malformed", () => {
  assertRangeError(
    "mysql://db/d?user=u&password=s3cret",
    'Invalid JDBC URL: it must start with "jdbc:"',
  );
  assertRangeError("jdbc:mysql:db/d", 'Invalid JDBC URL: "://" is missing after the scheme');
  assertRangeError(
    "jdbc:mysql://db:port/d?user=u&password=s3cret",
    "Invalid JDBC URL: the port is not a number in 1..65535",
  );
  assertRangeError("jdbc:mysql://db:70000/d?user=u", /the port is not a number/);
  assertRangeError("jdbc:mysql://u:s3cret@:3306/d", "Invalid JDBC URL: the host is missing");
  assertRangeError(
    "jdbc:mysql://db:3306?user=u&password=s3cret",
    "Invalid JDBC URL: the database name is missing",
  );
  assertRangeError(
    "jdbc:mysql://db/d?password=s3cret",
    'Invalid JDBC URL: the user is missing, add "?user=..."',
  );
  assertRangeError(
    "jdbc:mysql://a,b/d?user=u",
    "Invalid JDBC URL: multiple hosts are not supported",
  );
  assertRangeError(
    "jdbc:mysql://db/d?user=u&password=s3cret%zz",
    "Invalid JDBC URL: the password has a malformed percent-escape",
  );
});

Deno.test("redactJdbcUrl() masks passwords in the query and before the host", () => {
  assertEquals(
    redactJdbcUrl("jdbc:mysql://db:3306/d?user=u&password=s3cret&useSSL=false"),
    "jdbc:mysql://db:3306/d?user=u&password=***&useSSL=false",
  );
  assertEquals(
    redactJdbcUrl("jdbc:mysql://u:s3/cret@db/d?PASSWORD1=x"),
    "jdbc:mysql://u:***@db/d?PASSWORD1=***",
  );
  assertEquals(redactJdbcUrl("jdbc:mysql://db/d?user=u"), "jdbc:mysql://db/d?user=u");
  assertEquals(redactJdbcUrl("not a url"), "not a url");
});

Deno.test("parseJdbcUrl() gives settings that log in to a real MariaDB when the password needs escaping", async () => {
  await using db = await startMariaDb();
  const config = parseJdbcUrl(db.jdbcUrl);
  assert(config.password !== "" && encodeURIComponent(config.password) !== config.password);
  const connection = await mysql.createConnection({
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
  });
  try {
    const [rows] = await connection.query("SELECT DATABASE() AS db");
    assertEquals(rows, [{ db: config.database }]);
  } finally {
    await connection.end();
  }
});
