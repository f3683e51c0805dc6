// Integration tests against a real Kafka-protocol broker: the librdkafka mock cluster started by
// tests/_helpers/kafka_broker.ts, or the Kafka named by EDGECEP_TEST_KAFKA_BROKERS.
import assert from "node:assert/strict";
import { KafkaSource, type KafkaSourceOptions } from "../../io/kafka_source.ts";
import type { LogFields, Logger, LogLevel } from "../../io/logger.ts";
import { sleep } from "../../io/backoff.ts";
import type { LogLine } from "../_helpers/capture_logger.ts";
import {
  type KafkaBroker,
  startKafka,
  startMockKafka,
  uniqueTopic,
} from "../_helpers/kafka_broker.ts";
import { eachRecord, recordsOf, type TestRecord } from "../_helpers/source_records.ts";
import { within } from "../_helpers/wait_for.ts";

const DEMO = [
  "1,Ken,0,1,1662022777000",
  "1,Ken,0,1,1662022778000",
  "1,Ken,0,1,1662022779000",
  "1,Ken,0,1,1662022780000",
];
const WAIT_MS = 30_000;

/** Collects log lines so tests can wait for a state change. */
class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];
  log(level: LogLevel, message: string, fields: LogFields = {}): void {
    // EDGECEP_TEST_KAFKA_LOG=1 prints the source's state changes, to debug a failing test.
    if (Deno.env.get("EDGECEP_TEST_KAFKA_LOG")) console.error(level, message, fields);
    this.lines.push({ level, message, fields });
  }
  count(message: string): number {
    return this.lines.filter((line) => line.message.startsWith(message)).length;
  }
  async waitFor(message: string, times = 1): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (this.count(message) < times) {
      if (Date.now() > deadline) assert.fail(`No log line "${message}" within ${WAIT_MS} ms`);
      await sleep(50);
    }
  }
}

/** A source with the timings the Kafka README advises for tests, and its iterator. */
function openSource(broker: KafkaBroker, topic: string, groupId: string, logger: Logger, extra?: {
  queueCapacity?: number;
}) {
  const options: KafkaSourceOptions = {
    brokers: broker.brokers,
    topic,
    groupId,
    logger,
    sessionTimeout: 6_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 100,
    backoff: { minDelayMs: 100, maxDelayMs: 1_000 },
    ...extra,
  };
  const source = new KafkaSource(options);
  return { source, records: eachRecord(source[Symbol.asyncIterator]()) };
}

/** Pulls exactly `n` records, failing if they do not arrive in time. */
async function take(records: AsyncIterator<TestRecord>, n: number): Promise<TestRecord[]> {
  const taken: TestRecord[] = [];
  const deadline = Date.now() + WAIT_MS;
  while (taken.length < n) {
    const next = await within(records.next(), deadline - Date.now());
    if (next === "timeout") {
      assert.fail(
        `Got ${taken.length} of ${n} records within ${WAIT_MS} ms: ${JSON.stringify(taken)}`,
      );
    }
    if (next.done) assert.fail(`Iteration ended after ${taken.length} of ${n} records`);
    taken.push(next.value);
  }
  return taken;
}

/** Asserts that no further record arrives for `ms`; the pending pull is ended by close(). */
async function assertNoMore(records: AsyncIterator<TestRecord>, ms: number): Promise<void> {
  const next = await within(records.next(), ms);
  if (next !== "timeout") assert.fail(`Unexpected record ${JSON.stringify(next.value)}`);
}

function positions(records: readonly TestRecord[]): [number, string, string | null][] {
  return records
    .map((r): [number, string, string | null] => [r.partition, r.offset, r.value])
    .sort((a, b) => a[0] - b[0] || Number(a[1]) - Number(b[1]));
}

Deno.test("KafkaSource() yields each record with its partition and offset when a new group reads from the beginning", async () => {
  const topic = uniqueTopic("demo");
  const broker = await startKafka({ topics: [{ name: topic, partitions: 2 }] });
  const { source, records } = openSource(broker, topic, uniqueTopic("g"), new RecordingLogger());
  try {
    await broker.produce(topic, DEMO.map((value) => ({ value, partition: 0 })));
    await broker.produce(topic, [
      { value: "2,Bob,1,2,1662022781000", partition: 1 },
      { value: "not an event", partition: 1 },
      { value: null, partition: 1 },
    ]);
    const got = await take(records, 7);
    assert.deepStrictEqual(positions(got), [
      [0, "0", DEMO[0]],
      [0, "1", DEMO[1]],
      [0, "2", DEMO[2]],
      [0, "3", DEMO[3]],
      [1, "0", "2,Bob,1,2,1662022781000"],
      [1, "1", "not an event"],
      [1, "2", null],
    ]);
    for (const record of got) assert.equal(record.topic, topic);
    // Within a partition, records come in offset order.
    const p0 = got.filter((r) => r.partition === 0).map((r) => r.offset);
    assert.deepStrictEqual(p0, ["0", "1", "2", "3"]);
  } finally {
    await source.close();
    await broker.close();
  }
});

Deno.test("KafkaSource.commit() makes the next consumer of the group resume after the committed offsets", async () => {
  const topic = uniqueTopic("resume");
  const groupId = uniqueTopic("g");
  const broker = await startKafka({ topics: [{ name: topic, partitions: 2 }] });
  try {
    await broker.produce(topic, [
      ...DEMO.slice(0, 3).map((value) => ({ value, partition: 0 })),
      ...DEMO.slice(0, 3).map((value) => ({ value, partition: 1 })),
    ]);
    const first = openSource(broker, topic, groupId, new RecordingLogger());
    try {
      const got = await take(first.records, 6);
      // Partition 0 handled up to offset 1, partition 1 fully.
      await first.source.commit([
        { topic, partition: 0, offset: "0" },
        { topic, partition: 0, offset: "1" },
        { topic, partition: 1, offset: "2" },
      ]);
      assert.equal(got.length, 6);
    } finally {
      await first.source.close();
    }
    await broker.produce(topic, [
      { value: DEMO[3]!, partition: 0 },
      { value: DEMO[3]!, partition: 1 },
    ]);
    const second = openSource(broker, topic, groupId, new RecordingLogger());
    try {
      assert.deepStrictEqual(positions(await take(second.records, 3)), [
        [0, "2", DEMO[2]],
        [0, "3", DEMO[3]],
        [1, "3", DEMO[3]],
      ]);
      await assertNoMore(second.records, 1_500);
    } finally {
      await second.source.close();
    }
  } finally {
    await broker.close();
  }
});

Deno.test("KafkaSource() keeps its group membership and order when the iterator stalls longer than sessionTimeout", async () => {
  const topic = uniqueTopic("stall");
  const broker = await startKafka({ topics: [{ name: topic, partitions: 1 }] });
  const logger = new RecordingLogger();
  const { source, records } = openSource(broker, topic, uniqueTopic("g"), logger, {
    queueCapacity: 4,
  });
  try {
    const values = Array.from({ length: 60 }, (_, i) => `${i},Ken,0,1,${1662022777000 + i}`);
    // The first fetch fills the queue; the second is held by backpressure, and its fetch loop
    // must heartbeat while held or the group would evict it.
    await broker.produce(topic, values.slice(0, 30).map((value) => ({ value, partition: 0 })));
    await sleep(1_000);
    await broker.produce(topic, values.slice(30).map((value) => ({ value, partition: 0 })));
    await sleep(7_000);
    const head: TestRecord[] = [];
    const rest = await take(records, 60);
    assert.deepStrictEqual([...head, ...rest].map((r) => r.value), values);
    assert.deepStrictEqual([...head, ...rest].map((r) => r.offset), values.map((_, i) => `${i}`));
    assert.equal(logger.count("Kafka consumer joined group"), 1);
    assert.equal(logger.count("Kafka consumer lost"), 0);
  } finally {
    await source.close();
    await broker.close();
  }
});

Deno.test("KafkaSource.close() ends an iteration that is waiting for records", async () => {
  const topic = uniqueTopic("idle");
  const broker = await startKafka({ topics: [{ name: topic, partitions: 1 }] });
  const logger = new RecordingLogger();
  const { source, records } = openSource(broker, topic, uniqueTopic("g"), logger);
  try {
    const pending = records.next();
    await logger.waitFor("Kafka consumer joined group");
    await source.close();
    assert.deepStrictEqual(await pending, { done: true, value: undefined });
    assert.equal(logger.count("Kafka consumer closed"), 1);
  } finally {
    await source.close();
    await broker.close();
  }
});

// Fault injection needs a broker the test can take down, so these two always use the mock.
Deno.test("KafkaSource() connects once the broker becomes reachable when it starts unreachable", async () => {
  const topic = uniqueTopic("late");
  const broker = await startMockKafka({ topics: [{ name: topic, partitions: 1 }] });
  const logger = new RecordingLogger();
  const { source, records } = openSource(broker, topic, uniqueTopic("g"), logger);
  try {
    await broker.setAvailable(false);
    const pending = take(records, 2);
    await logger.waitFor("Kafka consumer lost, reconnecting");
    await broker.setAvailable(true);
    await broker.produce(topic, DEMO.slice(0, 2).map((value) => ({ value, partition: 0 })));
    assert.deepStrictEqual(positions(await pending), [[0, "0", DEMO[0]], [0, "1", DEMO[1]]]);
  } finally {
    await source.close();
    await broker.close();
  }
});

Deno.test("KafkaSource() resumes without loss or repeats when the broker goes down and comes back", async () => {
  const topic = uniqueTopic("outage");
  const broker = await startMockKafka({ topics: [{ name: topic, partitions: 1 }] });
  const logger = new RecordingLogger();
  const { source, records } = openSource(broker, topic, uniqueTopic("g"), logger);
  try {
    await broker.produce(topic, DEMO.slice(0, 2).map((value) => ({ value, partition: 0 })));
    const before = await take(records, 2);
    // Down for longer than sessionTimeout, so the group drops the member and the source has to
    // join again. Nothing was committed: the group restarts at offset 0, and the source must
    // skip what it already handed out.
    const warnings = logger.count("kafkajs: Connection error");
    await broker.setAvailable(false);
    await logger.waitFor("kafkajs: Connection error", warnings + 1);
    await sleep(7_000);
    await broker.setAvailable(true);
    await logger.waitFor("Kafka consumer joined group", 2);
    await broker.produce(topic, DEMO.slice(2).map((value) => ({ value, partition: 0 })));
    const after = await take(records, 2);
    assert.deepStrictEqual(positions([...before, ...after]).map((p) => p[1]), ["0", "1", "2", "3"]);
    await assertNoMore(records, 1_500);
  } finally {
    await source.close();
    await broker.close();
  }
});

Deno.test("KafkaSource() throws RangeError when heartbeatInterval is not below sessionTimeout", () => {
  assert.throws(
    () =>
      new KafkaSource({
        brokers: ["127.0.0.1:9092"],
        topic: "t",
        groupId: "g",
        logger: new RecordingLogger(),
        sessionTimeout: 6_000,
        heartbeatInterval: 6_000,
      }),
    {
      name: "RangeError",
      message:
        'Cannot create Kafka source for "t": heartbeatInterval "6000" is not in 1..sessionTimeout "6000"',
    },
  );
});

Deno.test("KafkaSource.commit() throws RangeError when a position names another topic", async () => {
  const source = new KafkaSource({
    brokers: ["127.0.0.1:9092"],
    topic: "t",
    groupId: "g",
    logger: new RecordingLogger(),
  });
  assert.throws(() => source.commit([{ topic: "other", partition: 0, offset: "1" }]), {
    name: "RangeError",
    message: 'Cannot commit to Kafka source "t": position is for topic "other"',
  });
  await source.close();
});

Deno.test("KafkaSource() announces its partitions and reads nothing of them until start() when announceAssignments is set", async () => {
  const topic = uniqueTopic("announce");
  const broker = await startKafka({ topics: [{ name: topic, partitions: 2 }] });
  const logger = new RecordingLogger();
  const source = new KafkaSource({
    brokers: broker.brokers,
    topic,
    groupId: uniqueTopic("g"),
    logger,
    sessionTimeout: 6_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 100,
    announceAssignments: true,
  });
  const items = source[Symbol.asyncIterator]();
  try {
    await broker.produce(topic, DEMO.map((value) => ({ value, partition: 0 })));
    await broker.produce(topic, [{ value: "2,Bob,0,2,1662022781000", partition: 1 }]);
    const first = await within(items.next(), WAIT_MS);
    if (first === "timeout") assert.fail(`No assignment within ${WAIT_MS} ms`);
    assert.deepStrictEqual(first.value, {
      type: "assignment",
      assigned: [{ topic, partition: 0 }, { topic, partition: 1 }],
      revoked: [],
    });
    // Nothing comes before start(): the pull stays pending.
    const pending = items.next();
    assert.equal(await within(pending, 1_500), "timeout");
    // Partition 0 resumes at a checkpointed offset, partition 1 where the group would start.
    source.start([{ topic, partition: 0, offset: "2" }, { topic, partition: 1, offset: null }]);
    const firstBatch = await within(pending, WAIT_MS);
    if (firstBatch === "timeout" || firstBatch.done || firstBatch.value.type !== "batch") {
      assert.fail(`Expected a batch after start(), got ${JSON.stringify(firstBatch)}`);
    }
    const records = eachRecord(items);
    const got = recordsOf(firstBatch.value);
    got.push(...await take(records, 3 - got.length));
    assert.deepStrictEqual(positions(got), [
      [0, "2", DEMO[2]],
      [0, "3", DEMO[3]],
      [1, "0", "2,Bob,0,2,1662022781000"],
    ]);
    await assertNoMore(records, 1_000);
  } finally {
    await source.close();
    await broker.close();
  }
});
