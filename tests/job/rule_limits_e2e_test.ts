// A rule row over the limits (`times` 100000, which used to block the job for 28 minutes) next to
// Rule 1 in the real rule table: the job (`deno run main.ts` against a real MariaDB and a real
// Kafka-protocol broker) refuses it at once with its id and reason, Rule 1 keeps matching, and the
// job answers /healthz and stops on SIGTERM.
import assert from "node:assert/strict";
import { startKafka, uniqueTopic } from "../_helpers/kafka_broker.ts";
import { RULE_1_PATTERN, startMariaDb } from "../_helpers/mariadb.ts";
import { freePort, JobProcess } from "../_helpers/job_process.ts";
import { createQuickStartTables, insertRule, quickStartJdbcUrl } from "../_helpers/job_db.ts";

const KEN_MATCH =
  "A match for Pattern of (id, version): (1, 1) is found. The event sequence: start: [Event(1, Ken, 0, 1, 1662022777000), Event(1, Ken, 0, 1, 1662022778000), Event(1, Ken, 0, 1, 1662022779000)]end: [Event(1, Ken, 0, 1, 1662022780000)]";
const KEN = [
  "1,Ken,0,1,1662022777000",
  "1,Ken,0,1,1662022778000",
  "1,Ken,0,1,1662022779000",
  "1,Ken,0,1,1662022780000",
];

Deno.test("runJobCommand() refuses a rule row over the limits at once and keeps the others running", async (t) => {
  const topic = uniqueTopic("limits");
  const port = freePort();
  const db = await startMariaDb();
  const broker = await startKafka({ topics: [{ name: topic, partitions: 1 }] });
  try {
    await createQuickStartTables(db, { rules: "rules_limits", results: "results_limits" });
    await insertRule(db, "rules_limits", { id: "1", version: 1, pattern: RULE_1_PATTERN });
    const huge = JSON.parse(RULE_1_PATTERN);
    huge.nodes[1].quantifier.times = { from: 100000, to: 100000, windowTime: null };
    await insertRule(db, "rules_limits", { id: "2", version: 1, pattern: JSON.stringify(huge) });
    await using job = JobProcess.start([
      "--kafkaBrokers",
      broker.brokers.join(","),
      "--inputTopic",
      topic,
      "--inputTopicGroup",
      uniqueTopic("g"),
      "--jdbcUrl",
      quickStartJdbcUrl(db),
      "--tableName",
      "rules_limits",
      "--matchTable",
      "results_limits",
      "--jdbcIntervalMs",
      "300",
      "--metricsPort",
      String(port),
    ]);

    await t.step("runJobCommand() logs the refused row with its id and reason", async () => {
      const { line } = await job.waitForLine("stderr", /rule rejected ruleId="2"/);
      assert.ok(
        line.includes(
          'reason="Cannot compile rule \\"2\\": at \\"nodes[1].quantifier.times.from\\": node ' +
            '\\"start\\" has times.from 100000, above the limit of 1000"',
        ),
        line,
      );
      await job.waitForLine("stderr", /rule added ruleId="1" version=1\b/);
    });

    await t.step("runJobCommand() still matches Ken with Rule 1", async () => {
      await broker.produce(topic, KEN.map((value) => ({ value })));
      await job.waitForLine("stdout", "A match for");
      assert.deepEqual(job.lines("stdout", "A match for"), [KEN_MATCH]);
    });

    await t.step("serveMetrics() answers /healthz with 200", async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "ok\n");
    });

    await t.step("runJobCommand() stops on SIGTERM", async () => {
      const status = await job.stop("SIGTERM", 10_000);
      assert.equal(status.code, 0, job.describe());
    });
  } finally {
    await broker.close();
    await db.close();
  }
});
