/**
 * A real MariaDB for io tests: a private `mariadbd` in a temporary directory, or, when
 * `EDGECEP_TEST_MYSQL_URL` names a server (a `jdbc:mysql://` URL whose user may CREATE DATABASE),
 * a uniquely named database on that server behind a local proxy.
 *
 * Root gets a password full of URL-special characters so that every test goes through the
 * percent-decoding of `--jdbcUrl`.
 *
 * @module
 */

import mysql from "mysql2/promise";
import { type JdbcConfig, parseJdbcUrl } from "../../io/jdbc_url.ts";
import { TcpProxy } from "./tcp_proxy.ts";

// The quick start's SQL, copied from its text (whitespace as extracted, comments on their lines).

/** The quick start's two CREATE TABLE statements. */
export const QUICK_START_TABLES =
  "CREATE TABLE rds_demo ( `id` VARCHAR(64), `version` INT, `pattern` VARCHAR(4096), `function` VARCHAR(512) ); CREATE TABLE match_results ( rule_id INT, rule_version INT, user_id INT, user_name VARCHAR(255), production_id INT, PRIMARY KEY (rule_id, rule_version, user_id, production_id) );";

/** The quick start's "Step 4" statement: insert Rule 1. */
export const RULE_1_INSERT =
  'INSERT INTO rds_demo ( `id`, `version`, `pattern`, `function` ) values( \'1\', 1, \'{"name":"end","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["SINGLE"],"times":null,"untilCondition":null},"condition":null,"nodes":[{"name":"end","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["SINGLE"],"times":null,"untilCondition":null},"condition":{"className":"com.alibaba.ververica.cep.demo.condition.EndCondition","type":"CLASS"},"type":"ATOMIC"},{"name":"start","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["LOOPING"],"times":{"from":3,"to":3,"windowTime":null},"untilCondition":null},"condition":{"expression":"action == 0","type":"AVIATOR"},"type":"ATOMIC"}],"edges":[{"source":"start","target":"end","type":"SKIP_TILL_NEXT"}],"window":null,"afterMatchStrategy":{"type":"SKIP_PAST_LAST_EVENT","patternName":null},"type":"COMPOSITE","version":1}\', \'com.alibaba.ververica.cep.demo.dynamic.DemoPatternProcessFunction\') ;';

/** The quick start's "Step 5" statements: delete Rule 1, insert Rule 2. */
export const RULE_2_REPLACE =
  'DELETE FROM `rds_demo` WHERE `id` = 1;\n-- Insert Rule 2: three consecutive view events within 15 minutes, followed by no purchase.\n-- Rule version is (id=1, version=2).\nINSERT INTO rds_demo (`id`,`version`,`pattern`,`function`) values(\'1\',2,\'{"name":"end","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["SINGLE"],"times":null,"untilCondition":null},"condition":null,"nodes":[{"name":"end","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["SINGLE"],"times":null,"untilCondition":null},"condition":{"className":"com.alibaba.ververica.cep.demo.condition.EndCondition","type":"CLASS"},"type":"ATOMIC"},{"name":"start","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["LOOPING"],"times":{"from":3,"to":3,"windowTime":{"unit":"MINUTES","size":15}},"untilCondition":null},"condition":{"expression":"action == 0","type":"AVIATOR"},"type":"ATOMIC"}],"edges":[{"source":"start","target":"end","type":"SKIP_TILL_NEXT"}],"window":null,"afterMatchStrategy":{"type":"SKIP_PAST_LAST_EVENT","patternName":null},"type":"COMPOSITE","version":1}\',\'com.alibaba.ververica.cep.demo.dynamic.DemoPatternProcessFunction\');';

/** Rule 1's pattern column. */
export const RULE_1_PATTERN =
  '{"name":"end","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["SINGLE"],"times":null,"untilCondition":null},"condition":null,"nodes":[{"name":"end","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["SINGLE"],"times":null,"untilCondition":null},"condition":{"className":"com.alibaba.ververica.cep.demo.condition.EndCondition","type":"CLASS"},"type":"ATOMIC"},{"name":"start","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["LOOPING"],"times":{"from":3,"to":3,"windowTime":null},"untilCondition":null},"condition":{"expression":"action == 0","type":"AVIATOR"},"type":"ATOMIC"}],"edges":[{"source":"start","target":"end","type":"SKIP_TILL_NEXT"}],"window":null,"afterMatchStrategy":{"type":"SKIP_PAST_LAST_EVENT","patternName":null},"type":"COMPOSITE","version":1}';

/** Rule 2's pattern column: Rule 1 with a 15-minute window. */
export const RULE_2_PATTERN =
  '{"name":"end","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["SINGLE"],"times":null,"untilCondition":null},"condition":null,"nodes":[{"name":"end","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["SINGLE"],"times":null,"untilCondition":null},"condition":{"className":"com.alibaba.ververica.cep.demo.condition.EndCondition","type":"CLASS"},"type":"ATOMIC"},{"name":"start","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["LOOPING"],"times":{"from":3,"to":3,"windowTime":{"unit":"MINUTES","size":15}},"untilCondition":null},"condition":{"expression":"action == 0","type":"AVIATOR"},"type":"ATOMIC"}],"edges":[{"source":"start","target":"end","type":"SKIP_TILL_NEXT"}],"window":null,"afterMatchStrategy":{"type":"SKIP_PAST_LAST_EVENT","patternName":null},"type":"COMPOSITE","version":1}';

/** The quick start's function column. */
export const DEMO_FUNCTION = "com.alibaba.ververica.cep.demo.dynamic.DemoPatternProcessFunction";

/** Drops the quick start's tables and creates them again, so that a test step starts empty. */
export const RESET_QUICK_START_TABLES =
  `DROP TABLE IF EXISTS rds_demo, match_results; ${QUICK_START_TABLES}`;

/** Settings of a server that is never contacted, for tests of constructor argument checks. */
export const UNUSED_JDBC_CONFIG: JdbcConfig = {
  scheme: "mysql",
  host: "db",
  port: 3306,
  database: "d",
  user: "u",
  password: "",
  params: new Map<string, string>(),
};

/** A database for one test file: tables are created by the tests. */
export interface MariaDb extends AsyncDisposable {
  /** Connection settings for the code under test; `config.database` is empty of tables. */
  readonly config: JdbcConfig;
  /** The same settings as a `--jdbcUrl` argument, password percent-encoded. */
  readonly jdbcUrl: string;
  /** Runs SQL (several statements allowed) on a fresh connection; returns mysql2's result. */
  query(sql: string, params?: readonly unknown[]): Promise<unknown>;
  /** Runs one SELECT and returns its rows. */
  rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Makes the server unreachable: every connection is closed and the port refuses. */
  stop(): Promise<void>;
  /** Makes the server reachable again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops the server and deletes its data (or drops the database on a shared server). */
  close(): Promise<void>;
}

const ROOT_PASSWORD = "Edgecep p@ss:w/rd&x=1+%?#";
const DATABASE = "cep_demo_db";

/**
 * Starts a private MariaDB (about 2 s), or connects to `EDGECEP_TEST_MYSQL_URL`.
 * @returns a server with an empty database named in `config`
 * @throws {Error} if mariadbd cannot start, with the tail of its error log
 */
export function startMariaDb(): Promise<MariaDb> {
  const url = Deno.env.get("EDGECEP_TEST_MYSQL_URL");
  return url ? useExternal(url) : startPrivate();
}

function toJdbcUrl(host: string, port: number, database: string, user: string, pw: string) {
  const query = `user=${encodeURIComponent(user)}&password=${encodeURIComponent(pw)}`;
  return `jdbc:mysql://${host}:${port}/${database}?${query}&useSSL=false`;
}

function handle(config: JdbcConfig, jdbcUrl: string, parts: {
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}): MariaDb {
  const query = async (sql: string, params: readonly unknown[] = []) => {
    const connection = await connect(config, true);
    try {
      return (await connection.query(sql, params as unknown[]))[0];
    } finally {
      await connection.end();
    }
  };
  return {
    config,
    jdbcUrl,
    query,
    rows: async (sql, params) => await query(sql, params) as Record<string, unknown>[],
    ...parts,
    [Symbol.asyncDispose]: parts.close,
  };
}

function connect(config: JdbcConfig, multipleStatements = false) {
  return mysql.createConnection({
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    ...(config.database === "" ? {} : { database: config.database }),
    multipleStatements,
    connectTimeout: 2_000,
  });
}

/**
 * Starts a private MariaDB even when `EDGECEP_TEST_MYSQL_URL` is set, for tests that configure
 * the server itself (TLS certificates, say).
 * @param extraArgs more `mariadbd` options, e.g. `--ssl-cert=...`
 * @returns the server
 */
export function startPrivateMariaDb(extraArgs: readonly string[] = []): Promise<MariaDb> {
  return startPrivate(extraArgs);
}

async function startPrivate(extraArgs: readonly string[] = []): Promise<MariaDb> {
  const dir = await Deno.makeTempDir({ prefix: "edgecep_mariadb_" });
  const port = freePort();
  const args = [
    "--no-defaults",
    `--datadir=${dir}/data`,
    // Small redo log: the default 96 MiB would dominate start-up time and disk use.
    "--innodb-log-file-size=8M",
    "--innodb-buffer-pool-size=32M",
    "--skip-name-resolve",
  ];
  const serverArgs = [
    ...args,
    `--port=${port}`,
    "--bind-address=127.0.0.1",
    `--socket=${dir}/mariadb.sock`,
    `--pid-file=${dir}/mariadb.pid`,
    `--log-error=${dir}/error.log`,
    ...(Deno.uid() === 0 ? ["--user=root"] : []),
    ...extraArgs,
  ];
  let child: Deno.ChildProcess | undefined;
  const launch = async (password: string) => {
    child = new Deno.Command("mariadbd", {
      args: serverArgs,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitUntilReady(child, { ...root, password }, `${dir}/error.log`);
  };
  const halt = async () => {
    if (child === undefined) return;
    const running = child;
    child = undefined;
    running.kill("SIGTERM");
    await running.status;
  };
  const root: JdbcConfig = {
    scheme: "mysql",
    host: "127.0.0.1",
    port,
    database: "",
    user: "root",
    password: "",
    params: new Map(),
  };
  try {
    const install = await new Deno.Command("mariadb-install-db", {
      args: [...args, "--auth-root-authentication-method=normal", "--skip-test-db"],
      stdin: "null",
    }).output();
    if (!install.success) {
      throw new Error(`mariadb-install-db failed: ${new TextDecoder().decode(install.stderr)}`);
    }
    await launch("");
    const admin = await connect(root);
    try {
      // Only the loopback accounts: the server binds 127.0.0.1 and skips name resolution.
      for (const host of ["127.0.0.1", "::1", "localhost"]) {
        await admin.query("ALTER USER IF EXISTS 'root'@? IDENTIFIED BY ?", [host, ROOT_PASSWORD]);
      }
      await admin.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await halt();
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  const jdbcUrl = toJdbcUrl("127.0.0.1", port, DATABASE, "root", ROOT_PASSWORD);
  return handle(parseJdbcUrl(jdbcUrl), jdbcUrl, {
    stop: halt,
    start: async () => {
      if (child === undefined) await launch(ROOT_PASSWORD);
    },
    close: async () => {
      await halt();
      await Deno.remove(dir, { recursive: true });
    },
  });
}

async function useExternal(url: string): Promise<MariaDb> {
  const upstream = parseJdbcUrl(url);
  const database = `edgecep_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = await connect(upstream);
  try {
    await admin.query(`CREATE DATABASE \`${database}\``);
  } finally {
    await admin.end();
  }
  const port = freePort();
  const proxy = new TcpProxy({ port, upstreamHost: upstream.host, upstreamPort: upstream.port });
  proxy.start();
  const jdbcUrl = toJdbcUrl("127.0.0.1", port, database, upstream.user, upstream.password);
  return handle(parseJdbcUrl(jdbcUrl), jdbcUrl, {
    stop: () => proxy.stop(),
    start: () => Promise.resolve(proxy.start()),
    close: async () => {
      await proxy.stop();
      const dropper = await connect(upstream);
      try {
        await dropper.query(`DROP DATABASE \`${database}\``);
      } finally {
        await dropper.end();
      }
    },
  });
}

/** A port that was free a moment ago; the tiny race is acceptable in tests. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

async function waitUntilReady(child: Deno.ChildProcess, config: JdbcConfig, errorLog: string) {
  let exited = false;
  child.status.then(() => exited = true);
  for (let attempt = 0; attempt < 600; attempt++) {
    if (exited) break;
    try {
      const probe = await connect(config);
      await probe.end();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  if (!exited) {
    child.kill("SIGKILL");
    await child.status;
  }
  const log = await Deno.readTextFile(errorLog).catch(() => "");
  throw new Error(`MariaDB did not start: ${log.split("\n").slice(-15).join("\n")}`);
}
