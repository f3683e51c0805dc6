// Malformed messages in the topic: the job (`deno run -A main.ts` against a real MariaDB and a real
// Kafka-protocol broker) counts and skips them, logs where they are, and still matches the good
// ones; `--metricsPort` serves the counts.
import assert from "node:assert/strict";
import { startKafka, uniqueTopic } from "../_helpers/kafka_broker.ts";
import { RULE_1_PATTERN, startMariaDb } from "../_helpers/mariadb.ts";
import { eventually, freePort, JobProcess } from "../_helpers/job_process.ts";
import {
  createQuickStartTables,
  insertRule,
  quickStartJdbcUrl,
  resultRows,
} from "../_helpers/job_db.ts";

const KEN_MATCH =
  "A match for Pattern of (id, version): (1, 1) is found. The event sequence: start: [Event(1, Ken, 0, 1, 1662022777000), Event(1, Ken, 0, 1, 1662022778000), Event(1, Ken, 0, 1, 1662022779000)]end: [Event(1, Ken, 0, 1, 1662022780000)]";

/** Ken's four messages with a malformed one before each: offsets 0, 2, 4, 6 are malformed. */
const MESSAGES = [
  "garbage",
  "1,Ken,0,1,1662022777000",
  "1,Ken,0", // too few fields
  "1,Ken,0,1,1662022778000",
  "x,Ken,0,1,1662022777000", // id is not a number
  "1,Ken,0,1,1662022779000",
  "{}", // JSON without any field
  "1,Ken,0,1,1662022780000",
];

Deno.test("runJobCommand() skips and counts malformed messages and still matches the good ones", async (t) => {
  const topic = uniqueTopic("malformed");
  const port = freePort();
  const db = await startMariaDb();
  const broker = await startKafka({ topics: [{ name: topic, partitions: 1 }] });
  try {
    await createQuickStartTables(db, { rules: "rules_bad", results: "results_bad" });
    await insertRule(db, "rules_bad", { id: "1", version: 1, pattern: RULE_1_PATTERN });
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
      "rules_bad",
      "--matchTable",
      "results_bad",
      "--jdbcIntervalMs",
      "300",
      "--usingEventTime",
      "false",
      "--metricsPort",
      String(port),
    ]);
    await job.waitForLine("stderr", /metrics listening port=\d+/);
    await job.waitForLine("stderr", /rule added ruleId="1" version=1\b/);
    await broker.produce(topic, MESSAGES.map((value) => ({ value })));

    await t.step("runJobCommand() prints the match of the good messages", async () => {
      await job.waitForLine("stdout", "A match for");
      assert.deepEqual(job.lines("stdout", "A match for"), [KEN_MATCH]);
      const rows = await eventually("Ken's row", async () => {
        const rows = await resultRows(db, "results_bad");
        return rows.length > 0 ? rows : undefined;
      });
      assert.deepEqual(rows, [[1, 1, 1, "Ken", 1]]);
    });

    await t.step(
      "runJobCommand() logs each malformed message with its partition and offset",
      () => {
        const skipped = job.lines("stderr", "malformed event skipped");
        assert.equal(skipped.length, 4, job.describe());
        const prefix = (offset: number) =>
          `WARN malformed event skipped topic="${topic}" partition=0 offset="${offset}" reason=`;
        for (const [i, offset] of [0, 2, 4, 6].entries()) {
          assert.ok(skipped[i]!.includes(prefix(offset)), `${skipped[i]} lacks ${prefix(offset)}`);
        }
        assert.match(
          skipped[0]!,
          /reason="Cannot parse event: expected at least 5 comma-separated fields, got 1"$/,
        );
        assert.match(
          skipped[1]!,
          /reason="Cannot parse event: expected at least 5 comma-separated fields, got 3"$/,
        );
        assert.match(
          skipped[2]!,
          /reason="Cannot parse event: field \\"id\\" value \\"x\\" is not an integer"$/,
        );
        assert.match(
          skipped[3]!,
          /reason="Cannot parse event: field \\"id\\" must be a number, got \\"missing\\""$/,
        );
      },
    );

    await t.step(
      "serveMetrics() exposes the malformed and match counters at /metrics",
      async () => {
        const metrics = await eventually("the counters at /metrics", async () => {
          const response = await fetch(`http://127.0.0.1:${port}/metrics`);
          assert.equal(response.status, 200);
          assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
          const text = await response.text();
          return text.includes(`edgecep_matches_total{rule="1"} 1\n`) ? text : undefined;
        });
        const lines = metrics.split("\n");
        assert.ok(lines.includes("edgecep_events_malformed_total 4"), metrics);
        assert.ok(lines.includes(`edgecep_matches_total{rule="1"} 1`), metrics);
        assert.ok(lines.includes("edgecep_events_in_total 8"), metrics);
        assert.ok(lines.includes(`edgecep_rule_version{rule="1"} 1`), metrics);
      },
    );

    await t.step("serveMetrics() answers /healthz with 200 while the job runs", async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "ok\n");
    });

    await t.step("runJobCommand() reports the totals when stopped by SIGTERM", async () => {
      const status = await job.stop("SIGTERM");
      assert.equal(status.code, 0, job.describe());
      const summary = job.lines("stderr", "job summary");
      assert.equal(summary.length, 1, job.describe());
      assert.match(summary[0]!, /eventsIn=8 malformed=4 late=0 matches=1$/);
    });
  } finally {
    await broker.close();
    await db.close();
  }
});
