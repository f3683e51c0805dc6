// The job meets a permanent error at start (bad credentials, unknown database, a missing or
// mis-shaped table, TLS refused): it exits 1 within seconds with one "Cannot start" line naming
// the cause, never the password. `deno run main.ts` against a real MariaDB and Kafka broker.
import assert from "node:assert/strict";
import { startKafka, uniqueTopic } from "../_helpers/kafka_broker.ts";
import { type MariaDb, startMariaDb } from "../_helpers/mariadb.ts";
import { JobProcess, type MainResult, runMain } from "../_helpers/job_process.ts";
import { createQuickStartTables } from "../_helpers/job_db.ts";

/** The bound: a permanent error ends the job well within this. */
const EXIT_WITHIN_MS = 30_000;

/** `jdbc:mysql://HOST:PORT/DB?user=U` plus `query`, with no password in it. */
function urlWithoutPassword(db: MariaDb, database = db.config.database, query = ""): string {
  const { host, port, user } = db.config;
  return `jdbc:mysql://${host}:${port}/${database}?user=${encodeURIComponent(user)}${query}`;
}

/** Runs the job to its end; asserts that it took under {@link EXIT_WITHIN_MS}. */
async function runToFailure(
  brokers: string,
  jdbcUrl: string,
  options: { password: string; tableName?: string; matchTable?: string },
): Promise<MainResult> {
  const started = Date.now();
  const result = await runMain([
    "--kafkaBrokers",
    brokers,
    "--inputTopic",
    uniqueTopic("startup"),
    "--inputTopicGroup",
    uniqueTopic("g"),
    "--jdbcUrl",
    jdbcUrl,
    "--tableName",
    options.tableName ?? "rds_demo",
    "--matchTable",
    options.matchTable ?? "match_results",
  ], { env: { EDGECEP_JDBC_PASSWORD: options.password }, timeoutMs: EXIT_WITHIN_MS + 5_000 });
  const tookMs = Date.now() - started;
  assert.ok(tookMs < EXIT_WITHIN_MS, `took ${tookMs} ms`);
  return result;
}

/** The single error line, checked to name no password; returns its message. */
function cannotStart(result: MainResult, passwords: readonly string[]): string {
  assert.equal(result.code, 1, result.stderr.join("\n"));
  assert.deepEqual(result.stdout, []);
  for (const password of passwords) {
    const leaks = result.stderr.filter((line) => line.includes(password));
    assert.deepEqual(leaks, [], "the password appears in the output");
  }
  const errors = result.stderr.filter((line) => / ERROR /.test(line));
  assert.equal(errors.length, 1, result.stderr.join("\n"));
  return errors[0]!.replace(/^\S+ ERROR /, "");
}

Deno.test("runJobCommand() exits 1 at once naming a permanent database error, and waits out a transient one", async (t) => {
  const db = await startMariaDb();
  const broker = await startKafka({ topics: [] });
  const brokers = broker.brokers.join(",");
  const { host, port, user, password, database } = db.config;
  const at = `"${host}:${port}"`;
  try {
    await createQuickStartTables(db, { rules: "rds_demo", results: "match_results" });
    await db.query(
      "CREATE TABLE results_no_user (rule_id INT, rule_version INT, user_id INT, production_id INT)",
    );

    await t.step("a wrong password", async () => {
      const wrong = "Wrong-Pass-7781";
      const result = await runToFailure(brokers, urlWithoutPassword(db), { password: wrong });
      assert.match(
        cannotStart(result, [wrong, password]),
        new RegExp(
          `^Cannot start: MySQL at "${host}:${port}" refused the login of user "${user}": check ` +
            `the user and the password \\(EDGECEP_JDBC_PASSWORD or the URL\\) ` +
            `\\(ER_ACCESS_DENIED_ERROR: Access denied for user '${user}'@'[^']+' ` +
            `\\(using password: YES\\)\\)$`,
        ),
      );
    });

    await t.step("an unknown database", async () => {
      const url = urlWithoutPassword(db, "no_such_db");
      const result = await runToFailure(brokers, url, { password });
      assert.equal(
        cannotStart(result, [password]),
        `Cannot start: Database "no_such_db" does not exist on MySQL at ${at} ` +
          `(ER_BAD_DB_ERROR: Unknown database 'no_such_db')`,
      );
    });

    await t.step("a missing rule table", async () => {
      const result = await runToFailure(brokers, urlWithoutPassword(db), {
        password,
        tableName: "rds_missing",
      });
      assert.equal(
        cannotStart(result, [password]),
        `Cannot start: Rule table "rds_missing" does not exist in database "${database}" on ` +
          `MySQL at ${at}`,
      );
    });

    await t.step("a match table without a column the job writes", async () => {
      const result = await runToFailure(brokers, urlWithoutPassword(db), {
        password,
        matchTable: "results_no_user",
      });
      assert.equal(
        cannotStart(result, [password]),
        `Cannot start: Match table "results_no_user" in database "${database}" on MySQL at ` +
          `${at} lacks column "user_name" (it needs rule_id, rule_version, user_id, user_name, ` +
          "production_id)",
      );
    });

    await t.step("sslMode=REQUIRED against a server without TLS", async () => {
      const url = urlWithoutPassword(db, database, "&sslMode=REQUIRED");
      const result = await runToFailure(brokers, url, { password });
      assert.equal(
        cannotStart(result, [password]),
        `Cannot start: MySQL at ${at} does not offer TLS, which sslMode=REQUIRED demands ` +
          "(HANDSHAKE_NO_SSL_SUPPORT: Server does not support secure connection)",
      );
    });

    await t.step("the password in the URL appears nowhere either", async () => {
      const url = `${urlWithoutPassword(db)}&password=${encodeURIComponent(password)}`;
      const result = await runToFailure(brokers, url, { password: "", tableName: "rds_missing" });
      cannotStart(result, [password, encodeURIComponent(password)]);
    });

    await t.step(
      "a database that is down is waited for with one line, then the job starts",
      async () => {
        await db.stop();
        await using job = JobProcess.start([
          "--kafkaBrokers",
          brokers,
          "--inputTopic",
          uniqueTopic("startup"),
          "--inputTopicGroup",
          uniqueTopic("g"),
          "--jdbcUrl",
          urlWithoutPassword(db),
          "--tableName",
          "rds_demo",
        ], { env: { EDGECEP_JDBC_PASSWORD: password } });
        const waiting = await job.waitForLine("stderr", / WARN waiting for MySQL at /);
        assert.match(
          waiting.line,
          new RegExp(`WARN waiting for MySQL at ${at} waitedMs=\\d+ error="ECONNREFUSED: `),
        );
        await db.start();
        await job.waitForLine("stderr", new RegExp(`INFO MySQL at ${at} reached waitedMs=\\d+$`));
        await job.waitForLine("stderr", /INFO MySQL tables checked /);
        assert.deepEqual(job.lines("stderr", / (WARN|ERROR) /), [waiting.line]);
        assert.equal((await job.stop()).code, 0, job.describe());
      },
    );
  } finally {
    await broker.close();
    await db.close();
  }
});
