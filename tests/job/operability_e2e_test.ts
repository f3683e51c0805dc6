// The job as an operator meets it, against a real MariaDB and Kafka broker: it waits for a broker
// that is down with one line now and then, is unhealthy and not ready until it has joined its
// group and applied the rules, reads several topics, logs only JSON with --logFormat json, and
// exports its metrics by convention. Kafka TLS and SASL are refused clearly by a broker without
// them (the librdkafka mock supports neither, see README).
import assert from "node:assert/strict";
import { startMockKafka, uniqueTopic } from "../_helpers/kafka_broker.ts";
import { RULE_1_PATTERN, startMariaDb } from "../_helpers/mariadb.ts";
import { eventually, freePort, JobProcess, runMain } from "../_helpers/job_process.ts";
import { createQuickStartTables, insertRule, quickStartJdbcUrl } from "../_helpers/job_db.ts";
import { VERSION } from "../../job/version.ts";

const KEN = ["777", "778", "779", "780"].map((s) => `1,Ken,0,1,1662022${s}000`);
const TOM = ["777", "778", "779", "780"].map((s) => `2,Tom,0,2,1662022${s}000`);

async function status(port: number, path: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  await response.body?.cancel();
  return response.status;
}

async function metricLines(port: number): Promise<string[]> {
  return (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).split("\n");
}

Deno.test("runJobCommand() waits for a broker that is down, then joins, reads two topics and reports health, readiness and metrics", async (t) => {
  const [topicA, topicB] = [uniqueTopic("ops-a"), uniqueTopic("ops-b")];
  const db = await startMariaDb();
  const broker = await startMockKafka({
    topics: [{ name: topicA, partitions: 2 }, { name: topicB, partitions: 1 }],
    brokerCount: 1,
  });
  const port = freePort();
  try {
    await createQuickStartTables(db, { rules: "rules_ops", results: "results_ops" });
    await insertRule(db, "rules_ops", { id: "1", version: 1, pattern: RULE_1_PATTERN });
    await insertRule(db, "rules_ops", { id: "2", version: 1, pattern: "{" });
    await broker.setAvailable(false);
    await using job = JobProcess.start([
      "--kafkaBrokers",
      broker.brokers.join(","),
      "--inputTopic",
      `${topicA},${topicB}`,
      "--inputTopicGroup",
      uniqueTopic("g"),
      "--kafkaClientId",
      "cep-ops",
      "--kafkaSessionTimeoutMs",
      "6000",
      "--jdbcUrl",
      quickStartJdbcUrl(db),
      "--tableName",
      "rules_ops",
      "--matchTable",
      "results_ops",
      "--jdbcIntervalMs",
      "300",
      "--logFormat",
      "json",
      "--metricsPort",
      String(port),
    ]);
    const logs = () => job.stderr.map((line) => JSON.parse(line) as Record<string, unknown>);

    await t.step(
      "it says once that it waits for the brokers, and is neither healthy nor ready",
      async () => {
        await job.waitForLine("stderr", /"msg":"waiting for the Kafka brokers/);
        assert.equal(await status(port, "/healthz"), 503);
        assert.equal(await status(port, "/readyz"), 503);
        // kafkajs' own retry lines stay at debug: the only warnings are the waiting lines.
        const warnings = logs().filter((l) => l.level === "warn").map((l) => String(l.msg));
        assert.ok(
          warnings.every((m) => /^(still )?waiting for the Kafka brokers "/.test(m)),
          job.describe(),
        );
      },
    );

    await t.step(
      "once the broker is up it joins its group, then is healthy and ready",
      async () => {
        await broker.setAvailable(true);
        const joining = await job.waitForLine(
          "stderr",
          /"msg":"Kafka consumer connected, joining group"/,
        );
        assert.deepEqual(JSON.parse(joining.line).sessionTimeoutMs, 6000);
        await job.waitForLine("stderr", /"msg":"Kafka consumer joined group"/);
        assert.equal(
          await eventually("/healthz 200", async () => {
            const code = await status(port, "/healthz");
            return code === 200 ? code : undefined;
          }),
          200,
        );
        assert.equal(await status(port, "/readyz"), 200);
      },
    );

    await t.step("it matches events of both topics", async () => {
      await broker.produce(topicA, KEN.map((value) => ({ value, partition: 1 })));
      await broker.produce(topicB, TOM.map((value) => ({ value, partition: 0 })));
      await job.waitForLine("stdout", "Event(2, Tom, 0, 2, 1662022780000)");
      await job.waitForLine("stdout", "Event(1, Ken, 0, 1, 1662022780000)");
      assert.equal(job.stdout.length, 2, job.describe());
    });

    await t.step(
      "/metrics has build info, seconds, rejected rules, store failures and lag per partition",
      async () => {
        const lines = await eventually("lag 0 on every partition", async () => {
          const lines = await metricLines(port);
          const lag = lines.filter((l) => l.startsWith("edgecep_consumer_lag{"));
          return lag.length === 2 && lag.every((l) => l.endsWith(" 0")) ? lines : undefined;
        });
        for (
          const expected of [
            `edgecep_build_info{version="${VERSION}"} 1`,
            "edgecep_rules_rejected_total 1",
            "edgecep_rule_store_failures_total 0",
            `edgecep_consumer_lag{topic="${topicA}",partition="1"} 0`,
            `edgecep_consumer_lag{topic="${topicB}",partition="0"} 0`,
            "edgecep_watermark_lag_seconds 0",
          ]
        ) assert.ok(lines.includes(expected), `${expected} not in\n${lines.join("\n")}`);
        assert.ok(!lines.some((l) => /_ms[ {]/.test(l)), lines.join("\n"));
      },
    );

    await t.step(
      "while the rule store does not answer it is unhealthy, and counts the failures",
      async () => {
        await db.stop();
        await eventually("/healthz 503", async () => {
          return await status(port, "/healthz") === 503 ? true : undefined;
        });
        await db.start();
        await eventually("/healthz 200 again", async () => {
          return await status(port, "/healthz") === 200 ? true : undefined;
        });
        const failures = (await metricLines(port)).find((l) =>
          l.startsWith("edgecep_rule_store_failures_total ")
        );
        assert.ok(Number(failures?.split(" ")[1]) >= 1, String(failures));
      },
    );

    await t.step("every line on stderr is JSON, with no runtime warning among them", async () => {
      assert.equal((await job.stop()).code, 0, job.describe());
      const lines = logs();
      assert.ok(lines.some((l) => l.msg === "job summary"));
      assert.ok(!lines.some((l) => l.msg === "runtime warning"));
    });
  } finally {
    await broker.close();
    await db.close();
  }
});

Deno.test("runJobCommand() exits 1 naming the cause when the broker refuses TLS or offers no SASL", async (t) => {
  const broker = await startMockKafka({ topics: [], brokerCount: 1 });
  const brokers = broker.brokers.join(",");
  const run = (security: string[], env: Record<string, string> = {}) =>
    runMain([
      "--kafkaBrokers",
      brokers,
      "--inputTopic",
      "t",
      "--inputTopicGroup",
      "g",
      "--rulesDir",
      "samples/rules",
      ...security,
    ], { env, timeoutMs: 30_000 });
  const errors = (result: { stderr: string[] }) =>
    result.stderr.filter((l) => l.includes(" ERROR ")).map((l) => l.replace(/^\S+ ERROR /, ""));
  try {
    await t.step("--kafkaSecurityProtocol SSL against a plaintext listener", async () => {
      const result = await run(["--kafkaSecurityProtocol", "SSL"]);
      assert.equal(result.code, 1, result.stderr.join("\n"));
      assert.deepEqual(errors(result), [
        `Cannot start: TLS to the Kafka brokers "${brokers}" failed (Connection error: Client ` +
        "network socket disconnected before secure TLS connection was established)",
      ]);
    });
    await t.step("SASL_PLAINTEXT with SCRAM-SHA-256 against a broker without SASL", async () => {
      const secret = "Kafka-Secret-991";
      const result = await run([
        "--kafkaSecurityProtocol",
        "SASL_PLAINTEXT",
        "--kafkaSaslMechanism",
        "SCRAM-SHA-256",
        "--kafkaSaslUsername",
        "cep",
      ], { EDGECEP_KAFKA_SASL_PASSWORD: secret });
      assert.equal(result.code, 1, result.stderr.join("\n"));
      assert.deepEqual(errors(result), [
        `Cannot start: Kafka brokers "${brokers}" do not offer SASL authentication, which ` +
        "--kafkaSaslMechanism SCRAM-SHA-256 needs (The Kafka server does not support the " +
        "requested API version)",
      ]);
      assert.ok(!result.stderr.some((l) => l.includes(secret)));
    });
  } finally {
    await broker.close();
  }
});
