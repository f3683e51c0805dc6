import assert, {
  deepStrictEqual as assertEquals,
  rejects as assertRejects,
} from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { MatchRow } from "../../io/match_sink.ts";
import { SinkWriteError } from "../../io/mysql_match_sink.ts";
import { SqliteMatchSink } from "../../io/sqlite_match_sink.ts";
import { captureLogger } from "../_helpers/capture_logger.ts";

const KEN: MatchRow = { ruleId: "1", ruleVersion: 1, userId: 1, userName: "Ken", productionId: 1 };
const TOM: MatchRow = { ruleId: "1", ruleVersion: 2, userId: 2, userName: "Tom", productionId: 1 };

const tempDatabase = async () => `${await Deno.makeTempDir()}/cep_demo.db`;

/** The quick start's `SELECT * FROM match_results`, from a connection of its own. */
function selectResults(path: string): unknown[] {
  const db = new DatabaseSync(path);
  try {
    return db.prepare("SELECT * FROM match_results ORDER BY rule_version, user_id").all()
      .map((row) => ({ ...row }));
  } finally {
    db.close();
  }
}

Deno.test("SqliteMatchSink.write() creates match_results and writes the quick start's rows", async () => {
  const path = await tempDatabase();
  const sink = new SqliteMatchSink({ path });
  await sink.write([KEN, TOM]);
  await sink.close();
  // rule_id is an INT column: the string "1" is stored as the integer 1, as in MySQL.
  assertEquals(selectResults(path), [
    { rule_id: 1, rule_version: 1, user_id: 1, user_name: "Ken", production_id: 1 },
    { rule_id: 1, rule_version: 2, user_id: 2, user_name: "Tom", production_id: 1 },
  ]);
});

Deno.test("SqliteMatchSink.write() leaves one row when a row is written twice", async () => {
  const path = await tempDatabase();
  const sink = new SqliteMatchSink({ path });
  await sink.write([KEN]);
  await sink.write([KEN, { ...KEN, userName: "Kenneth" }]);
  await sink.write([]);
  await sink.close();
  assertEquals(selectResults(path), [
    { rule_id: 1, rule_version: 1, user_id: 1, user_name: "Kenneth", production_id: 1 },
  ]);
});

Deno.test("SqliteMatchSink.write() retries when another connection holds the write lock", async () => {
  const path = await tempDatabase();
  const logger = captureLogger();
  const sink = new SqliteMatchSink({ path, logger });
  await sink.write([KEN]);
  const other = new DatabaseSync(path);
  other.exec("BEGIN IMMEDIATE");
  let settled = false;
  const write = sink.write([TOM]).finally(() => settled = true);
  // Long enough for the first attempt's 250 ms lock wait to fail and a retry to be scheduled.
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert(!settled, "the write finished while the lock was held");
  other.exec("COMMIT");
  other.close();
  await write;
  await sink.close();
  assertEquals(selectResults(path).length, 2);
  assertEquals(logger.lines.map((line) => [line.level, line.message]), [
    ["warn", "Match sink write failed, retrying"],
    ["info", "Match sink write succeeded after retries"],
  ]);
});

Deno.test("SqliteMatchSink.write() throws SinkWriteError when the table cannot be written", async () => {
  const path = await tempDatabase();
  const db = new DatabaseSync(path);
  db.exec("CREATE VIEW results AS SELECT 1 AS rule_id");
  db.close();
  const sink = new SqliteMatchSink({ path, tableName: "results" });
  const error = await sink.write([KEN, TOM]).catch((error: unknown) => error);
  await sink.close();
  assert(error instanceof SinkWriteError);
  assertEquals(error.rejected, [KEN, TOM]);
  assert.match(error.message, /^Cannot write 2 match rows to ".*" table "results": /);
});

Deno.test("SqliteMatchSink.close() rejects a write that is still retrying", async () => {
  const path = await tempDatabase();
  const sink = new SqliteMatchSink({ path });
  await sink.write([KEN]);
  const other = new DatabaseSync(path);
  other.exec("BEGIN IMMEDIATE");
  const write = sink.write([TOM]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const closed = sink.close();
  await assertRejects(write, {
    name: "SinkWriteError",
    message: `Cannot write 1 match rows to "${path}": the sink was closed while retrying`,
  });
  await closed;
  other.exec("ROLLBACK");
  other.close();
});

Deno.test("SqliteMatchSink.write() inserts every row when the table has no primary key", async () => {
  const path = await tempDatabase();
  const setup = new DatabaseSync(path);
  setup.exec(
    "CREATE TABLE match_results ( rule_id INT, rule_version INT, user_id INT, " +
      "user_name VARCHAR(255), production_id INT )",
  );
  setup.close();
  const sink = new SqliteMatchSink({ path });
  await sink.write([KEN]);
  await sink.write([KEN]);
  await sink.close();
  assertEquals(selectResults(path), [
    { rule_id: 1, rule_version: 1, user_id: 1, user_name: "Ken", production_id: 1 },
    { rule_id: 1, rule_version: 1, user_id: 1, user_name: "Ken", production_id: 1 },
  ]);
});
