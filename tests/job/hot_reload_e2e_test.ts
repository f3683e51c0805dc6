// Rule changes while the job runs (processing time): the job is `deno run -A main.ts` against a
// real MariaDB and a real Kafka-protocol broker. Each change is awaited through the job's own log
// line for the poll that saw it ("rule added/replaced/removed/rejected"), never through a sleep.
// Events go to one partition, so a later event's match line proves every earlier one was handled.
import assert from "node:assert/strict";
import { startKafka, uniqueTopic } from "../_helpers/kafka_broker.ts";
import { startMariaDb } from "../_helpers/mariadb.ts";
import { eventually, JobProcess } from "../_helpers/job_process.ts";
import {
  createQuickStartTables,
  insertRule,
  quickStartJdbcUrl,
  resultRows,
} from "../_helpers/job_db.ts";
import { atomic, sequence } from "../_helpers/rule_json.ts";

const RULES = "rules_hot";
const RESULTS = "results_hot";

/** `first` (condition a) followed by `second` (condition b), skipping past the last event. */
function twoStep(a: string, b: string) {
  return sequence([atomic("first", a), atomic("second", b)], ["SKIP_TILL_NEXT"], {
    skip: { type: "SKIP_PAST_LAST_EVENT" },
  });
}

/** One event with the given action: matched on arrival, so its line marks "all before it ran". */
const SENTINEL = sequence([atomic("only", "action == 9")], [], {
  skip: { type: "SKIP_PAST_LAST_EVENT" },
});

const event = (id: number, name: string, action: number, time: number) =>
  `${id},${name},${action},1,${time}`;
const show = (id: number, name: string, action: number, time: number) =>
  `Event(${id}, ${name}, ${action}, 1, ${time})`;
const matchLine = (rule: string, version: number, parts: [string, string[]][]) =>
  `A match for Pattern of (id, version): (${rule}, ${version}) is found. The event sequence: ` +
  parts.map(([name, events]) => `${name}: [${events.join(", ")}]`).join("");
const ofRule = (rule: string) => `A match for Pattern of (id, version): (${rule}, `;

Deno.test("runJobCommand() applies rule table changes while running, within one poll", async (t) => {
  const topic = uniqueTopic("hot");
  const db = await startMariaDb();
  const broker = await startKafka({ topics: [{ name: topic, partitions: 1 }] });
  try {
    await createQuickStartTables(db, { rules: RULES, results: RESULTS });
    await insertRule(db, RULES, {
      id: "7",
      version: 1,
      pattern: twoStep("action == 0", "action == 2"),
    });
    await insertRule(db, RULES, { id: "90", version: 1, pattern: SENTINEL });
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
      RULES,
      "--matchTable",
      RESULTS,
      "--jdbcIntervalMs",
      "300",
      "--usingEventTime",
      "false",
    ]);
    const produce = (...values: string[]) =>
      broker.produce(topic, values.map((value) => ({ value })));
    /** Produces a sentinel event and waits for its match: everything produced before is handled. */
    let sentinels = 0;
    const drain = async () => {
      const time = 90_000 + ++sentinels;
      await produce(event(99, "Zed", 9, time));
      await job.waitForLine("stdout", matchLine("90", 1, [["only", [show(99, "Zed", 9, time)]]]));
    };
    await job.waitForLine("stderr", /rule added ruleId="7" version=1\b/);
    await job.waitForLine("stderr", /rule added ruleId="90" version=1\b/);

    await t.step("runJobCommand() matches with a rule that was in the table at start", async () => {
      await produce(event(10, "Ann", 0, 1000), event(10, "Ann", 2, 2000));
      await job.waitForLine(
        "stdout",
        matchLine("7", 1, [["first", [show(10, "Ann", 0, 1000)]], ["second", [
          show(10, "Ann", 2, 2000),
        ]]]),
      );
    });

    await t.step(
      "runJobCommand() switches to a new version after the next poll when the row is updated",
      async () => {
        const from = job.stdout.length;
        await db.query(`UPDATE ${RULES} SET version = 2, pattern = ? WHERE id = '7'`, [
          JSON.stringify(twoStep("action == 0", "action == 3")),
        ]);
        await job.waitForLine("stderr", /rule replaced ruleId="7" version=2 previousVersion=1\b/);
        // Version 1 would match 0 then 2; version 2 waits for 3.
        await produce(
          event(11, "Bob", 0, 3000),
          event(11, "Bob", 2, 4000),
          event(11, "Bob", 3, 5000),
        );
        await job.waitForLine(
          "stdout",
          matchLine("7", 2, [["first", [show(11, "Bob", 0, 3000)]], ["second", [
            show(11, "Bob", 3, 5000),
          ]]]),
        );
        assert.deepEqual(job.lines("stdout", ofRule("7"), from).length, 1, job.describe());
      },
    );

    await t.step(
      "runJobCommand() stops matching a rule after the next poll when its row is deleted",
      async () => {
        await db.query(`DELETE FROM ${RULES} WHERE id = '7'`);
        await job.waitForLine("stderr", /rule removed ruleId="7"/);
        const from = job.stdout.length;
        await produce(
          event(12, "Cat", 0, 6000),
          event(12, "Cat", 3, 7000),
          event(12, "Cat", 2, 7500),
        );
        await drain();
        assert.deepEqual(job.lines("stdout", ofRule("7"), from), [], job.describe());
      },
    );

    await t.step(
      "runJobCommand() rejects a broken newer version once and keeps the older one running",
      async () => {
        await insertRule(db, RULES, {
          id: "7",
          version: 3,
          pattern: twoStep("action == 0", "action == 2"),
        });
        await job.waitForLine("stderr", /rule added ruleId="7" version=3\b/);
        await db.query(
          `UPDATE ${RULES} SET version = 4, pattern = '{"name": "end", "nodes": [' WHERE id = '7'`,
        );
        const { line } = await job.waitForLine("stderr", /rule rejected ruleId="7" version=4\b/);
        assert.match(
          line,
          /^\S+ ERROR rule rejected ruleId="7" version=4 reason="Cannot compile rule \\"7\\": /,
        );
        assert.match(line, /keptVersion=3$/);

        await produce(event(13, "Dan", 0, 8000), event(13, "Dan", 2, 9000));
        await job.waitForLine(
          "stdout",
          matchLine("7", 3, [["first", [show(13, "Dan", 0, 8000)]], ["second", [
            show(13, "Dan", 2, 9000),
          ]]]),
        );
        // A later poll (the one that adds rule 91) sees the same broken row and stays silent.
        await insertRule(db, RULES, {
          id: "91",
          version: 1,
          pattern: twoStep("action == 7", "action == 8"),
        });
        await job.waitForLine("stderr", /rule added ruleId="91" version=1\b/);
        assert.equal(job.lines("stderr", "rule rejected").length, 1, job.describe());
      },
    );

    await t.step(
      "runJobCommand() runs two rules added at once, each matching on its own",
      async () => {
        await db.query(`DELETE FROM ${RULES} WHERE id IN ('7', '91')`);
        await job.waitForLine("stderr", /rule removed ruleId="7"/);
        await job.waitForLine("stderr", /rule removed ruleId="91"/);
        await db.query(
          `INSERT INTO ${RULES} (id, version, pattern, \`function\`) VALUES (?, 1, ?, ?), (?, 1, ?, ?)`,
          [
            "21",
            JSON.stringify(twoStep("action == 4", "action == 5")),
            "com.alibaba.ververica.cep.demo.dynamic.DemoPatternProcessFunction",
            "22",
            JSON.stringify(twoStep("action == 6", "action == 7")),
            "com.alibaba.ververica.cep.demo.dynamic.DemoPatternProcessFunction",
          ],
        );
        await job.waitForLine("stderr", /rule added ruleId="21" version=1\b/);
        await job.waitForLine("stderr", /rule added ruleId="22" version=1\b/);
        const from = job.stdout.length;
        // Interleaved on one key: each rule takes its own two events and ignores the other's.
        await produce(
          event(14, "Eve", 4, 10_000),
          event(14, "Eve", 6, 11_000),
          event(14, "Eve", 5, 12_000),
          event(14, "Eve", 7, 13_000),
        );
        await drain();
        assert.deepEqual(
          job.lines(
            "stdout",
            (line) => line.startsWith(ofRule("21")) || line.startsWith(ofRule("22")),
            from,
          ),
          [
            matchLine("21", 1, [["first", [show(14, "Eve", 4, 10_000)]], ["second", [
              show(14, "Eve", 5, 12_000),
            ]]]),
            matchLine("22", 1, [["first", [show(14, "Eve", 6, 11_000)]], ["second", [
              show(14, "Eve", 7, 13_000),
            ]]]),
          ],
          job.describe(),
        );
      },
    );

    await t.step(
      "runJobCommand() writes one row per match with the version that matched",
      async () => {
        const expected = [
          [7, 1, 10, "Ann", 1],
          [7, 2, 11, "Bob", 1],
          [7, 3, 13, "Dan", 1],
          [21, 1, 14, "Eve", 1],
          [22, 1, 14, "Eve", 1],
          [90, 1, 99, "Zed", 1],
        ];
        const rows = await eventually("every match row", async () => {
          const rows = await resultRows(db, RESULTS);
          return rows.length >= expected.length ? rows : undefined;
        });
        assert.deepEqual(rows, expected);
      },
    );

    await t.step("runJobCommand() exits 0 on SIGTERM", async () => {
      const status = await job.stop("SIGTERM");
      assert.equal(status.code, 0, job.describe());
    });
  } finally {
    await broker.close();
    await db.close();
  }
});
