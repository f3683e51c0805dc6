import assert from "node:assert/strict";
import { envName, JOB_FLAGS, parseJobFlags, USAGE, UsageError } from "../../job/flags.ts";
import { VERSION } from "../../job/version.ts";
import { runMain } from "../_helpers/job_process.ts";

const PASSWORD = "Secret123";
const QUICK_START_URL =
  `jdbc:mysql://rm-demo.mysql.rds.aliyuncs.com:3306/cep_demo_db?user=cep_user&password=${PASSWORD}`;

/**
 * The quick start's "Entry Point Main Arguments" after the shell has removed the `\` before `&`.
 * @param overrides flag values to replace; `undefined` drops the flag
 */
function quickStartArgv(overrides: Record<string, string | undefined> = {}): string[] {
  const flags: Record<string, string | undefined> = {
    kafkaBrokers: "alikafka-1:9092,alikafka-2:9092",
    inputTopic: "demo_topic",
    inputTopicGroup: "demo_group",
    jdbcUrl: QUICK_START_URL,
    tableName: "rds_demo",
    jdbcIntervalMs: "3000",
    usingEventTime: "false",
    ...overrides,
  };
  return Object.entries(flags).flatMap(([name, value]) =>
    value === undefined ? [] : [`--${name}`, value]
  );
}

/** Asserts that parsing throws a UsageError and returns its message. */
function usageError(args: string[]): string {
  let message: string | undefined;
  assert.throws(() => parseJobFlags(args), (error: unknown) => {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${error}`);
    message = error.message;
    return true;
  });
  return message!;
}

Deno.test("parseJobFlags() parses the quick start's argument line", () => {
  const flags = parseJobFlags(quickStartArgv());
  assert.deepEqual(flags.source, {
    type: "kafka",
    brokers: ["alikafka-1:9092", "alikafka-2:9092"],
    topics: ["demo_topic"],
    group: "demo_group",
    clientId: "edgecep",
    tls: false,
    caFile: null,
    sasl: null,
  });
  assert.equal(flags.rules.type, "mysql");
  if (flags.rules.type !== "mysql") return;
  assert.equal(flags.rules.tableName, "rds_demo");
  assert.equal(flags.rules.url, QUICK_START_URL);
  const { host, port, database, user, password, params, tls } = flags.rules.config;
  assert.deepEqual(
    { host, port, database, user, password, params: [...params], tls },
    {
      host: "rm-demo.mysql.rds.aliyuncs.com",
      port: 3306,
      database: "cep_demo_db",
      user: "cep_user",
      password: PASSWORD,
      params: [],
      tls: { mode: "PREFERRED" },
    },
  );
  assert.equal(flags.jdbcIntervalMs, 3000);
  assert.equal(flags.usingEventTime, false);
  // The documented defaults of the extras.
  assert.equal(flags.outOfOrdernessMs, 5000);
  assert.equal(flags.idleTimeoutMs, 10_000);
  assert.equal(flags.startFrom, "earliest");
  assert.equal(flags.matchTable, "match_results");
  assert.equal(flags.eventFormat, "auto");
  assert.equal(flags.eventFields, null);
  assert.equal(flags.logFormat, "text");
  assert.equal(flags.metricsPort, null);
  assert.equal(flags.conditionClasses, null);
  assert.equal(flags.logLevel, "info");
  assert.equal(flags.kafkaSessionTimeoutMs, 30_000);
});

Deno.test("parseJobFlags() reads --name=value pairs and usingEventTime true", () => {
  const flags = parseJobFlags(
    quickStartArgv({ usingEventTime: undefined, jdbcUrl: undefined }).concat([
      `--jdbcUrl=${QUICK_START_URL}`,
      "--usingEventTime=TRUE",
    ]),
  );
  assert.equal(flags.usingEventTime, true);
  assert.equal(flags.rules.type === "mysql" && flags.rules.config.password, PASSWORD);
});

Deno.test("parseJobFlags() throws 'inputTopicGroup must be set!' when --kafkaBrokers is given without it", () => {
  assert.equal(
    usageError(quickStartArgv({ inputTopicGroup: undefined })),
    "inputTopicGroup must be set!",
  );
});

Deno.test("parseJobFlags() names --jdbcIntervalMs when its value is not a number", () => {
  const message = usageError(quickStartArgv({ jdbcIntervalMs: "3s" }));
  assert.match(message, /^--jdbcIntervalMs /);
  assert.ok(message.includes(`"3s"`), message);
});

Deno.test("parseJobFlags() rejects --usingEventTime values other than true and false", () => {
  const message = usageError(quickStartArgv({ usingEventTime: "maybe" }));
  assert.equal(message, `--usingEventTime must be true or false, got "maybe"`);
});

Deno.test("parseJobFlags() rejects a table name that is not a plain identifier", () => {
  const message = usageError(quickStartArgv({ tableName: "rds; DROP TABLE x" }));
  assert.ok(message.includes("--tableName"), message);
  assert.ok(message.includes(`"rds; DROP TABLE x"`), message);
  assert.ok(usageError(quickStartArgv({ tableName: "rds_demo`" })).includes("--tableName"));
});

Deno.test("parseJobFlags() names --jdbcUrl and never shows the password when the URL is malformed", () => {
  const malformed = [
    `jdbc:mysql://db:port/cep_demo_db?user=cep&password=${PASSWORD}`,
    `jdbc:mysql://cep:${PASSWORD}@db:99999/cep_demo_db`,
    `jdbc:mysql://db:3306/cep_demo_db?user=cep&password=${PASSWORD}%zz`,
    `jdbc:postgresql://db:5432/cep_demo_db?user=cep&password=${PASSWORD}`,
    `mysql://db:3306/cep_demo_db?user=cep&password=${PASSWORD}`,
    `jdbc:mysql:db:3306/cep_demo_db?user=cep&password=${PASSWORD}`,
    `jdbc:mysql://db:3306/?user=cep&password=${PASSWORD}`,
    `jdbc:mysql://cep:${PASSWORD}@db:3306/`,
    `jdbc:mysql://cep:${PASSWORD}@/cep_demo_db`,
    `jdbc:mysql://db:3306/cep_demo_db?password=${PASSWORD}`,
    `jdbc:mysql://cep:${PASSWORD}@db1,db2/cep_demo_db`,
    `jdbc:mysql://[::1/cep_demo_db?user=cep&password=${PASSWORD}`,
    `jdbc:mysql://cep:${PASSWORD}@[::1]x/cep_demo_db`,
  ];
  for (const url of malformed) {
    const message = usageError(quickStartArgv({ jdbcUrl: url }));
    assert.match(message, /^--jdbcUrl: /, url);
    assert.ok(!message.includes(PASSWORD), `${url} gave ${message}`);
  }
});

// An unescaped `?` or `#` in a `user:password@` password makes the URL malformed; the error must
// still not echo what came before it.
Deno.test("parseJobFlags() never shows the password when a user:password@ URL has ? or # in the password", () => {
  const leaks: string[] = [];
  for (const password of [`${PASSWORD}?x`, `${PASSWORD}#x`]) {
    const url = `jdbc:mysql://cep:${password}@db:3306/cep_demo_db`;
    try {
      parseJobFlags(quickStartArgv({ jdbcUrl: url }));
    } catch (error) {
      const message = (error as Error).message;
      if (message.includes(PASSWORD)) leaks.push(`${url} gave ${message}`);
    }
  }
  assert.deepEqual(leaks, []);
});

Deno.test("main.ts exits 2 with the message and usage when --inputTopicGroup is missing", async () => {
  const result = await runMain(["--kafkaBrokers", "127.0.0.1:9", "--inputTopic", "t"]);
  assert.equal(result.code, 2);
  assert.deepEqual(result.stdout, []);
  const stderr = result.stderr.join("\n");
  assert.ok(stderr.includes("inputTopicGroup must be set!"), stderr);
  assert.ok(stderr.includes("Usage:"), stderr);
  assert.ok(stderr.includes(USAGE), stderr);
});

Deno.test("parseJobFlags() reads --eventFields into the column order and JSON names", () => {
  const flags = parseJobFlags(
    quickStartArgv({
      eventFields: "id,name=username,action,productionId=product_id,eventTime=event_time",
    }),
  );
  assert.deepEqual(flags.eventFields, {
    columns: ["id", "name", "action", "productionId", "eventTime"],
    sources: {
      id: "id",
      name: "username",
      action: "action",
      productionId: "product_id",
      eventTime: "event_time",
    },
    rest: null,
  });
});

Deno.test("parseJobFlags() names --eventFields when a canonical field is not mapped", () => {
  assert.equal(
    usageError(quickStartArgv({ eventFields: "id,username,action,product_id,event_time" })),
    '--eventFields: Event fields: "name", "productionId", "eventTime" must be mapped, in ' +
      '"id,username,action,product_id,event_time"',
  );
});

/** An environment lookup over a fixed set of variables. */
function envOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

Deno.test("envName() turns a flag name into EDGECEP_ and upper snake case", () => {
  assert.deepEqual(
    ["jdbcUrl", "inputTopicGroup", "kafkaSessionTimeoutMs", "jdbcSslCaFile"].map(envName),
    [
      "EDGECEP_JDBC_URL",
      "EDGECEP_INPUT_TOPIC_GROUP",
      "EDGECEP_KAFKA_SESSION_TIMEOUT_MS",
      "EDGECEP_JDBC_SSL_CA_FILE",
    ],
  );
});

Deno.test("parseJobFlags() reads flags from EDGECEP_ variables, and a flag on the command line wins", () => {
  const flags = parseJobFlags(["--inputTopic", "from_flag"], {
    env: envOf({
      EDGECEP_KAFKA_BROKERS: "k1:9092",
      EDGECEP_INPUT_TOPIC: "from_env",
      EDGECEP_INPUT_TOPIC_GROUP: "g",
      EDGECEP_JDBC_URL: "jdbc:mysql://db:3306/cep_demo_db?user=cep",
      EDGECEP_TABLE_NAME: "rds_demo",
      EDGECEP_JDBC_INTERVAL_MS: "1500",
      EDGECEP_LOG_LEVEL: "debug",
    }),
  });
  assert.equal(flags.source.type === "kafka" && flags.source.topics.join(), "from_flag");
  assert.equal(flags.source.type === "kafka" && flags.source.brokers.join(), "k1:9092");
  assert.equal(flags.jdbcIntervalMs, 1500);
  assert.equal(flags.logLevel, "debug");
});

Deno.test("parseJobFlags() takes the password from EDGECEP_JDBC_PASSWORD when the URL has none", () => {
  const env = envOf({ EDGECEP_JDBC_PASSWORD: PASSWORD });
  const withoutPassword = "jdbc:mysql://db:3306/cep_demo_db?user=cep_user";
  const flags = parseJobFlags(quickStartArgv({ jdbcUrl: withoutPassword }), { env });
  assert.equal(flags.rules.type === "mysql" && flags.rules.config.password, PASSWORD);
  const inUrl = parseJobFlags(quickStartArgv(), { env: envOf({ EDGECEP_JDBC_PASSWORD: "other" }) });
  assert.equal(inUrl.rules.type === "mysql" && inUrl.rules.config.password, PASSWORD);
});

Deno.test("parseJobFlags() refuses a password on the command line and names its variable", () => {
  assert.equal(
    usageError([...quickStartArgv(), "--jdbcPassword", PASSWORD]).replace(PASSWORD, "(leak)"),
    "--jdbcPassword is a secret: set EDGECEP_JDBC_PASSWORD instead, so that it shows in no command line",
  );
});

Deno.test("parseJobFlags() suggests the nearest flag for a near miss", () => {
  assert.equal(
    usageError([...quickStartArgv(), "--jdbcIntervalMS", "1"]),
    'Unknown flag "--jdbcIntervalMS"; did you mean "--jdbcIntervalMs"?',
  );
  assert.equal(
    usageError([...quickStartArgv(), "--inputTopik", "t"]),
    'Unknown flag "--inputTopik"; did you mean "--inputTopic"?',
  );
  assert.equal(usageError(["--whatever", "1"]), 'Unknown flag "--whatever"');
});

Deno.test("parseJobFlags() reads --inputTopic a,b as two topics", () => {
  const flags = parseJobFlags(quickStartArgv({ inputTopic: "demo_a, demo_b" }));
  assert.deepEqual(flags.source.type === "kafka" && flags.source.topics, ["demo_a", "demo_b"]);
  assert.equal(
    usageError(quickStartArgv({ inputTopic: "demo_a,,demo_b" })),
    '--inputTopic has an empty topic name in "demo_a,,demo_b"',
  );
});

Deno.test("parseJobFlags() accepts --kafkaSessionTimeoutMs and --kafkaClientId", () => {
  const flags = parseJobFlags([
    ...quickStartArgv(),
    "--kafkaSessionTimeoutMs",
    "6000",
    "--kafkaClientId",
    "cep-prod",
  ]);
  assert.equal(flags.kafkaSessionTimeoutMs, 6000);
  assert.equal(flags.source.type === "kafka" && flags.source.clientId, "cep-prod");
  assert.equal(
    usageError([...quickStartArgv(), "--kafkaSessionTimeoutMs", "100"]),
    '--kafkaSessionTimeoutMs must be a whole number >= 3000, got "100"',
  );
});

Deno.test("parseJobFlags() builds SASL_SSL settings with the password from the environment", () => {
  const args = [
    ...quickStartArgv(),
    "--kafkaSecurityProtocol",
    "SASL_SSL",
    "--kafkaSaslMechanism",
    "SCRAM-SHA-512",
    "--kafkaSaslUsername",
    "cep",
    "--kafkaSslCaFile",
    "/etc/ca.pem",
  ];
  const flags = parseJobFlags(args, { env: envOf({ EDGECEP_KAFKA_SASL_PASSWORD: "kpw" }) });
  assert.ok(flags.source.type === "kafka");
  const { tls, caFile, sasl } = flags.source;
  assert.deepEqual({ tls, caFile, sasl }, {
    tls: true,
    caFile: "/etc/ca.pem",
    sasl: { mechanism: "SCRAM-SHA-512", username: "cep", password: "kpw" },
  });
  assert.equal(
    usageError(args),
    "--kafkaSecurityProtocol SASL_SSL needs the password in EDGECEP_KAFKA_SASL_PASSWORD",
  );
});

Deno.test("parseJobFlags() refuses Kafka security flags that the protocol would ignore", () => {
  assert.equal(
    usageError([...quickStartArgv(), "--kafkaSaslUsername", "cep"]),
    "--kafkaSaslUsername needs --kafkaSecurityProtocol SASL_PLAINTEXT or SASL_SSL",
  );
  assert.equal(
    usageError([...quickStartArgv(), "--kafkaSslCaFile", "/etc/ca.pem"]),
    "--kafkaSslCaFile needs --kafkaSecurityProtocol SSL or SASL_SSL",
  );
  assert.equal(
    usageError([...quickStartArgv(), "--kafkaSecurityProtocol", "TLS"]),
    '--kafkaSecurityProtocol must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, got "TLS"',
  );
});

Deno.test("parseJobFlags() honours sslMode in the JDBC URL and refuses a Java keystore", () => {
  const url = (query: string) => `${QUICK_START_URL}&${query}`;
  const mode = (query: string, extra: string[] = []) => {
    const flags = parseJobFlags([...quickStartArgv({ jdbcUrl: url(query) }), ...extra]);
    return flags.rules.type === "mysql" ? flags.rules.config.tls : undefined;
  };
  assert.deepEqual(mode("useSSL=false"), { mode: "DISABLED" });
  assert.deepEqual(mode("useSSL=true&requireSSL=true"), { mode: "REQUIRED" });
  assert.deepEqual(mode("sslMode=VERIFY_CA", ["--jdbcSslCaFile", "/ca.pem"]), {
    mode: "VERIFY_CA",
    caFile: "/ca.pem",
  });
  assert.equal(
    usageError(quickStartArgv({ jdbcUrl: url("trustCertificateKeyStoreUrl=file:/ks.jks") })),
    '--jdbcUrl: JDBC URL parameter "trustCertificateKeyStoreUrl" is not supported: Java ' +
      "keystores cannot be read here: give the CA as a PEM file with --jdbcSslCaFile",
  );
  assert.equal(
    usageError(quickStartArgv({ jdbcUrl: url("sslMode=SOMETIMES") })),
    '--jdbcUrl: JDBC URL parameter "sslMode" must be one of DISABLED, PREFERRED, REQUIRED, ' +
      'VERIFY_CA, VERIFY_IDENTITY, got "SOMETIMES"',
  );
  assert.equal(
    usageError([...quickStartArgv(), "--jdbcSslCaFile", "/ca.pem"]),
    '--jdbcUrl: --jdbcSslCaFile needs sslMode=VERIFY_CA or VERIFY_IDENTITY in the JDBC URL, which is "PREFERRED"',
  );
});

Deno.test("main.ts --help and -h exit 0 with every flag, its default and its variable", async () => {
  for (const flag of ["--help", "-h"]) {
    const result = await runMain([flag]);
    assert.equal(result.code, 0, result.stderr.join("\n"));
    assert.deepEqual(result.stderr, []);
    const text = result.stdout.join("\n");
    assert.ok(text.startsWith(USAGE), text);
    for (const spec of JOB_FLAGS) {
      const row = result.stdout.find((line) => line.includes(` ${envName(spec.name)} `));
      assert.ok(row !== undefined, `no row for ${spec.name}`);
      if (!spec.envOnly) assert.ok(row.includes(`--${spec.name} `), row);
      if (spec.default !== undefined) assert.ok(row.includes(` ${spec.default} `), row);
    }
    assert.match(text, /--kafkaSessionTimeoutMs MS +30000 +EDGECEP_KAFKA_SESSION_TIMEOUT_MS /);
  }
});

Deno.test("main.ts --version exits 0 with the version", async () => {
  const result = await runMain(["--version"]);
  assert.deepEqual(result, { code: 0, stdout: [`edgecep ${VERSION}`], stderr: [] });
});

Deno.test("main.ts exits 2 with a suggestion for a mistyped flag", async () => {
  const result = await runMain(["--kafkaBroker", "127.0.0.1:9"]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr[0], 'Unknown flag "--kafkaBroker"; did you mean "--kafkaBrokers"?');
});

Deno.test("parseJobFlags() checkpoints every 5 s and leaves state unbounded by default", () => {
  const flags = parseJobFlags(quickStartArgv());
  assert.deepEqual(
    [flags.checkpointIntervalMs, flags.stateTtlMs, flags.maxPartialMatchesPerKey],
    [5_000, null, null],
  );
});

Deno.test("parseJobFlags() reads --checkpointIntervalMs 0, --stateTtlMs and --maxPartialMatchesPerKey", () => {
  const flags = parseJobFlags(quickStartArgv({
    checkpointIntervalMs: "0",
    stateTtlMs: "600000",
    maxPartialMatchesPerKey: "100",
  }));
  assert.deepEqual(
    [flags.checkpointIntervalMs, flags.stateTtlMs, flags.maxPartialMatchesPerKey],
    [0, 600_000, 100],
  );
});

Deno.test("parseJobFlags() names --maxPartialMatchesPerKey when it is 0", () => {
  assert.equal(
    usageError(quickStartArgv({ maxPartialMatchesPerKey: "0" })),
    '--maxPartialMatchesPerKey must be a whole number >= 1, got "0"',
  );
});
