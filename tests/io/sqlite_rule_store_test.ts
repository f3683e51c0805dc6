import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { Logger } from "../../io/logger.ts";
import {
  openSqliteDatabase,
  parseSqliteJdbcUrl,
  SqliteRuleStore,
} from "../../io/sqlite_rule_store.ts";
import { captureLogger } from "../_helpers/capture_logger.ts";
import { waitFor } from "../_helpers/wait_for.ts";
import { watchRuleStore } from "../_helpers/watch_rule_store.ts";

const SAMPLES = new URL("../../samples/", import.meta.url);
const CONFORMANCE = "/work/shared/conformance/seed/";
const DEMO_FUNCTION = "com.alibaba.ververica.cep.demo.dynamic.DemoPatternProcessFunction";

const sample = (name: string) => Deno.readTextFile(new URL(name, SAMPLES));

/** The quick start's pattern column: the conformance case's pattern as compact JSON. */
async function seedPattern(rule: 1 | 2): Promise<string> {
  const text = await Deno.readTextFile(`${CONFORMANCE}QuickStart.rule${rule}.json`);
  return JSON.stringify(JSON.parse(text).pattern);
}

/** Opens a store on a fresh file and returns a function for the next snapshot. */
async function openStore(logger: Logger = captureLogger(), path?: string) {
  const file = path ?? `${await Deno.makeTempDir()}/cep_demo.db`;
  const store = new SqliteRuleStore({ path: file, tableName: "rds_demo", intervalMs: 20, logger });
  return { file, ...watchRuleStore(store) };
}

Deno.test("parseSqliteJdbcUrl() returns the path of a jdbc:sqlite URL", () => {
  assertEquals(parseSqliteJdbcUrl("jdbc:sqlite:cep_demo.db"), "cep_demo.db");
  assertEquals(parseSqliteJdbcUrl("jdbc:sqlite:/var/lib/cep demo.db"), "/var/lib/cep demo.db");
});

Deno.test("parseSqliteJdbcUrl() throws RangeError when the URL is malformed", () => {
  const cases: [string, string][] = [
    [
      "jdbc:mysql://db/cep",
      'Invalid SQLite JDBC URL "jdbc:mysql://db/cep": it must start with "jdbc:sqlite:"',
    ],
    ["jdbc:sqlite:", 'Invalid SQLite JDBC URL "jdbc:sqlite:": the path is missing'],
    [
      "jdbc:sqlite::memory:",
      'Invalid SQLite JDBC URL "jdbc:sqlite::memory:": an in-memory database cannot be shared, use a file path',
    ],
    [
      "jdbc:sqlite:a.db?journal_mode=WAL",
      'Invalid SQLite JDBC URL "jdbc:sqlite:a.db?journal_mode=WAL": parameters after "?" are unsupported',
    ],
  ];
  for (const [url, message] of cases) {
    assert.throws(() => parseSqliteJdbcUrl(url), { name: "RangeError", message });
  }
});

Deno.test("openSqliteDatabase() creates the quick start's two tables when they are missing", async () => {
  const path = `${await Deno.makeTempDir()}/cep_demo.db`;
  openSqliteDatabase(path).close();
  // Opening again, then running the shipped DDL, must both be harmless.
  const db = openSqliteDatabase(path);
  db.exec(await sample("quickstart_tables.sql"));
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all().map((row) => row.name);
  const keys = db.prepare("SELECT name FROM pragma_table_info('match_results') WHERE pk > 0")
    .all().map((row) => row.name);
  db.close();
  assertEquals(tables, ["match_results", "rds_demo"]);
  assertEquals(keys, ["rule_id", "rule_version", "user_id", "production_id"]);
});

Deno.test("SqliteRuleStore() throws RangeError when the table name or interval is invalid", () => {
  assert.throws(
    () => new SqliteRuleStore({ path: "x.db", tableName: "rds_demo; DROP", intervalMs: 10 }),
    { name: "RangeError" },
  );
  assert.throws(() => new SqliteRuleStore({ path: "x.db", tableName: "rds_demo", intervalMs: 0 }), {
    name: "RangeError",
    message: 'Invalid rule poll interval "0": expected a whole number of ms > 0',
  });
});

Deno.test("SqliteRuleStore.watch() follows the quick start's SQL from Rule 1 to Rule 2", async () => {
  await using store = await openStore();
  assertEquals(await store.next(), []);
  // Another connection plays the user at the SQL console; the seed's SQL runs unchanged.
  const user = new DatabaseSync(store.file);
  try {
    user.exec(await sample("quickstart_rule1.sql"));
    const rule1 = { id: "1", version: 1, pattern: await seedPattern(1), function: DEMO_FUNCTION };
    assertEquals(await store.next(), [rule1]);

    user.exec(await sample("quickstart_rule2.sql"));
    const rule2 = { id: "1", version: 2, pattern: await seedPattern(2), function: DEMO_FUNCTION };
    assertEquals(await store.next(), [rule2]);

    user.exec("UPDATE rds_demo SET version = 3, `function` = NULL WHERE id = '1'");
    assertEquals(await store.next(), [{ ...rule2, version: 3, function: null }]);

    user.exec("DELETE FROM rds_demo");
    assertEquals(await store.next(), []);
  } finally {
    user.close();
  }
});

Deno.test("SqliteRuleStore.watch() skips rows that cannot name a rule and logs each once", async () => {
  const logger = captureLogger();
  await using store = await openStore(logger);
  await store.next();
  const user = new DatabaseSync(store.file);
  user.exec(
    "INSERT INTO rds_demo VALUES (NULL, 1, '{}', 'f'), ('2', 1.5, '{}', 'f'), " +
      "('3', 9007199254740993, '{}', 'f'), (4, '7', NULL, NULL)",
  );
  user.close();
  assertEquals(await store.next(), [{ id: "4", version: 7, pattern: null, function: null }]);
  assertEquals(await store.next(), [{ id: "4", version: 7, pattern: null, function: null }]);
  assertEquals(logger.lines.map((line) => line.message), [
    'Skipping rule row "NULL": id is NULL',
    'Skipping rule row "2": version "1.5" is not an integer',
    'Skipping rule row "3": version "9007199254740993" is not an integer',
  ]);
});

Deno.test("SqliteRuleStore.watch() yields nothing and logs once while the file cannot be opened", async () => {
  const logger = captureLogger();
  const directory = `${await Deno.makeTempDir()}/not_yet`;
  await using store = await openStore(logger, `${directory}/cep_demo.db`);
  const first = store.next();
  // Several polls fail before the directory appears; only the first is logged.
  await waitFor(() => logger.lines.length > 0, "the failure to be logged");
  await new Promise((resolve) => setTimeout(resolve, 100));
  await Deno.mkdir(directory);
  assertEquals(await first, []);
  assertEquals(logger.lines.map((line) => [line.level, line.message]), [
    ["warn", "Rule store unreadable, retrying"],
    ["info", "Rule store readable again"],
  ]);
});
