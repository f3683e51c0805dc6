// TLS to MySQL as the JDBC URL's sslMode asks: a MariaDB with a certificate made in the test by
// openssl, the job verifying it against --jdbcSslCaFile, and refusing a server its CA did not sign.
import assert from "node:assert/strict";
import { startKafka, uniqueTopic } from "../_helpers/kafka_broker.ts";
import { RULE_1_PATTERN, startPrivateMariaDb } from "../_helpers/mariadb.ts";
import { eventually, JobProcess, runMain } from "../_helpers/job_process.ts";
import { createQuickStartTables, insertRule, resultRows } from "../_helpers/job_db.ts";
import { makeTestCertificates } from "../_helpers/tls_certs.ts";

const KEN = [
  "1,Ken,0,1,1662022777000",
  "1,Ken,0,1,1662022778000",
  "1,Ken,0,1,1662022779000",
  "1,Ken,0,1,1662022780000",
];

Deno.test("runJobCommand() connects to MySQL over verified TLS and refuses a server its CA did not sign", async (t) => {
  await using certs = await makeTestCertificates();
  // A private server even with EDGECEP_TEST_MYSQL_URL: the test gives it its certificate.
  const db = await startPrivateMariaDb([
    `--ssl-cert=${certs.serverCertFile}`,
    `--ssl-key=${certs.serverKeyFile}`,
  ]);
  const topic = uniqueTopic("tls");
  const broker = await startKafka({ topics: [{ name: topic, partitions: 1 }] });
  const { port, user, password, database } = db.config;
  // VERIFY_IDENTITY checks the name too: the certificate is for localhost.
  const url = (mode: string) =>
    `jdbc:mysql://localhost:${port}/${database}?user=${user}&sslMode=${mode}`;
  const args = (mode: string, caFile: string) => [
    "--kafkaBrokers",
    broker.brokers.join(","),
    "--inputTopic",
    topic,
    "--inputTopicGroup",
    uniqueTopic("g"),
    "--jdbcUrl",
    url(mode),
    "--jdbcSslCaFile",
    caFile,
    "--tableName",
    "rds_demo",
    "--jdbcIntervalMs",
    "300",
    "--kafkaSessionTimeoutMs",
    "6000",
  ];
  const env = { EDGECEP_JDBC_PASSWORD: password };
  try {
    await createQuickStartTables(db, { rules: "rds_demo", results: "match_results" });
    await insertRule(db, "rds_demo", { id: "1", version: 1, pattern: RULE_1_PATTERN });

    await t.step(
      "sslMode=VERIFY_IDENTITY with the signing CA: Ken's match is written",
      async () => {
        await using job = JobProcess.start(args("VERIFY_IDENTITY", certs.caFile), { env });
        await job.waitForLine("stderr", /INFO MySQL tables checked/);
        await job.waitForLine("stderr", /rule added ruleId="1" version=1\b/);
        await broker.produce(topic, KEN.map((value) => ({ value })));
        await job.waitForLine("stdout", "A match for Pattern of (id, version): (1, 1)");
        const rows = await eventually("Ken's row", async () => {
          const rows = await resultRows(db, "match_results");
          return rows.length > 0 ? rows : undefined;
        });
        assert.deepEqual(rows, [[1, 1, 1, "Ken", 1]]);
        const status = await job.stop();
        assert.equal(status.code, 0, job.describe());
      },
    );

    await t.step("sslMode=VERIFY_CA with another CA: exit 1 naming the TLS failure", async () => {
      const result = await runMain(args("VERIFY_CA", certs.otherCaFile), { env });
      assert.equal(result.code, 1, result.stderr.join("\n"));
      const errors = result.stderr.filter((line) => line.includes(" ERROR "));
      assert.deepEqual(errors.map((line) => line.replace(/^\S+ ERROR /, "")), [
        `Cannot start: TLS to MySQL at "localhost:${port}" failed under sslMode=VERIFY_CA ` +
        "(HANDSHAKE_SSL_ERROR: unable to verify the first certificate)",
      ]);
      assert.ok(!result.stderr.some((line) => line.includes(password)));
    });
  } finally {
    await broker.close();
    await db.close();
  }
});
