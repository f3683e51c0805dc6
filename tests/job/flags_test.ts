import assert from "node:assert/strict";
import { parseJobFlags, USAGE, UsageError } from "../../job/flags.ts";
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
    topic: "demo_topic",
    group: "demo_group",
  });
  assert.equal(flags.rules.type, "mysql");
  if (flags.rules.type !== "mysql") return;
  assert.equal(flags.rules.tableName, "rds_demo");
  assert.equal(flags.rules.url, QUICK_START_URL);
  const { host, port, database, user, password, params } = flags.rules.config;
  assert.deepEqual(
    { host, port, database, user, password, params: [...params] },
    {
      host: "rm-demo.mysql.rds.aliyuncs.com",
      port: 3306,
      database: "cep_demo_db",
      user: "cep_user",
      password: PASSWORD,
      params: [],
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
