// The quick start end to end, as its steps run it: the job is `deno run -A main.ts` with the quick
// start's flags, against a real MariaDB (tests/_helpers/mariadb.ts) and a real Kafka-protocol broker
// (tests/_helpers/kafka_broker.ts). Rule SQL and messages are the quick start's own.
import assert from "node:assert/strict";
import { type KafkaBroker, startKafka, uniqueTopic } from "../_helpers/kafka_broker.ts";
import {
  type MariaDb,
  QUICK_START_TABLES,
  RULE_1_INSERT,
  RULE_2_REPLACE,
  startMariaDb,
} from "../_helpers/mariadb.ts";
import { eventually, JobProcess } from "../_helpers/job_process.ts";
import { quickStartJdbcUrl, type ResultRow, resultRows } from "../_helpers/job_db.ts";

const KEN = [
  "1,Ken,0,1,1662022777000",
  "1,Ken,0,1,1662022778000",
  "1,Ken,0,1,1662022779000",
  "1,Ken,0,1,1662022780000",
];
const TOM_ALI = [
  "2,Tom,0,1,1739584800000", // 10:00
  "2,Tom,0,1,1739585400000", // 10:10
  "2,Tom,0,1,1739585700000", // 10:15
  "2,Tom,0,1,1739586000000", // 10:20
  "3,Ali,0,1,1739586600000", // 10:30
  "3,Ali,0,1,1739588400000", // 11:00
  "3,Ali,0,1,1739589000000", // 11:10
  "3,Ali,0,1,1739590200000", // 11:30
];
const KEN_MATCH =
  "A match for Pattern of (id, version): (1, 1) is found. The event sequence: start: [Event(1, Ken, 0, 1, 1662022777000), Event(1, Ken, 0, 1, 1662022778000), Event(1, Ken, 0, 1, 1662022779000)]end: [Event(1, Ken, 0, 1, 1662022780000)]";
const TOM_MATCH =
  "A match for Pattern of (id, version): (1, 2) is found. The event sequence: start: [Event(2, Tom, 0, 1, 1739584800000), Event(2, Tom, 0, 1, 1739585400000), Event(2, Tom, 0, 1, 1739585700000)]end: [Event(2, Tom, 0, 1, 1739586000000)]";
const MATCH_PREFIX = "A match for Pattern of";

async function matchResults(db: MariaDb): Promise<ResultRow[]> {
  return await resultRows(db, "match_results");
}

/** The quick start's "Entry Point Main Arguments", one argv entry each. */
function quickStartArgs(
  broker: KafkaBroker,
  names: { topic: string; group: string },
  db: MariaDb,
  usingEventTime: boolean,
): string[] {
  return [
    "--kafkaBrokers",
    broker.brokers.join(","),
    "--inputTopic",
    names.topic,
    "--inputTopicGroup",
    names.group,
    "--jdbcUrl",
    quickStartJdbcUrl(db),
    "--tableName",
    "rds_demo",
    "--jdbcIntervalMs",
    "300",
    "--usingEventTime",
    String(usingEventTime),
  ];
}

Deno.test("runJobCommand() replays the quick start: Rule 1 matches Ken, then Rule 2 in event time matches Tom and not Ali", async (t) => {
  const topic = uniqueTopic("demo_topic");
  const group = uniqueTopic("demo_group");
  const db = await startMariaDb();
  const broker = await startKafka({ topics: [{ name: topic, partitions: 1 }] });
  try {
    // Step 1: the quick start's DDL; the helper already made the database (CREATE DATABASE/USE).
    await db.query(QUICK_START_TABLES);

    await t.step(
      "Step 4: Rule 1 in processing time prints Ken's match and writes his row",
      async () => {
        await using job = JobProcess.start(quickStartArgs(broker, { topic, group }, db, false));
        await job.waitForLine("stderr", "waiting for the first rule snapshot");
        await db.query(RULE_1_INSERT);
        await job.waitForLine("stderr", /rule added ruleId="1" version=1\b/);
        await broker.produce(topic, KEN.map((value) => ({ value })));

        await job.waitForLine("stdout", MATCH_PREFIX);
        assert.deepEqual(job.lines("stdout", MATCH_PREFIX), [KEN_MATCH]);
        const rows = await eventually("Ken's row in match_results", async () => {
          const rows = await matchResults(db);
          return rows.length > 0 ? rows : undefined;
        });
        assert.deepEqual(rows, [[1, 1, 1, "Ken", 1]]);

        const status = await job.stop("SIGTERM");
        assert.equal(status.code, 0, job.describe());
        assert.ok(job.lines("stderr", "stopping on signal").length === 1, job.describe());
        assert.deepEqual(job.lines("stdout", MATCH_PREFIX), [KEN_MATCH]);
      },
    );

    await t.step("Step 5: Rule 2 after a restart in event time matches Tom only", async () => {
      await db.query(RULE_2_REPLACE);
      await using job = JobProcess.start(quickStartArgs(broker, { topic, group }, db, true));
      await job.waitForLine("stderr", /rule added ruleId="1" version=2\b/);
      // The mock broker holds a rejoining group for the job's session timeout (30 s, the kafkajs
      // default the job uses) before it assigns partitions again; a real Kafka is faster.
      await job.waitForLine("stderr", "Kafka consumer joined group", { timeoutMs: 60_000 });
      await broker.produce(topic, TOM_ALI.map((value) => ({ value })));

      // Tom's last view (10:20) is released once the watermark (max ts - 5 s - 1 ms) passes it,
      // which Ali's first view (10:30) does.
      await job.waitForLine("stdout", MATCH_PREFIX);
      await eventually("Tom's row in match_results", async () => {
        const rows = await matchResults(db);
        return rows.length > 1 ? rows : undefined;
      });

      const status = await job.stop("SIGTERM");
      assert.equal(status.code, 0, job.describe());
      // All eight records were read (the group resumed after Ken's committed four) and only
      // Tom's views matched; Ali's span more than 15 minutes.
      const stopped = job.lines("stderr", "job stopped");
      assert.equal(stopped.length, 1, job.describe());
      assert.match(stopped[0]!, /eventsIn=8 malformed=0 late=0 matches=1\b/);
      assert.deepEqual(job.lines("stdout", MATCH_PREFIX), [TOM_MATCH]);
      assert.deepEqual(await matchResults(db), [
        [1, 1, 1, "Ken", 1],
        [1, 2, 2, "Tom", 1],
      ]);
    });
  } finally {
    await broker.close();
    await db.close();
  }
});
