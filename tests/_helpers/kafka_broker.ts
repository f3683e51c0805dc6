/**
 * A real Kafka-protocol broker for io tests: librdkafka's mock cluster, started through the
 * launcher in `kafka_mock.c`, or an external Kafka named by `EDGECEP_TEST_KAFKA_BROKERS`.
 *
 * @module
 */

import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";

/** A topic a test needs. */
export interface KafkaTopicSpec {
  readonly name: string;
  readonly partitions: number;
}

/** Options for {@link startKafka} and {@link startMockKafka}. */
export interface KafkaBrokerOptions {
  /** Topics to create; names must be unique per test, see {@link uniqueTopic}. */
  readonly topics: readonly KafkaTopicSpec[];
  /** Brokers in the mock cluster; default 3. Ignored for an external broker. */
  readonly brokerCount?: number;
}

/** One message for {@link KafkaBroker.produce}. */
export interface KafkaTestMessage {
  /** `null` writes a tombstone. */
  readonly value: string | null;
  /** Default: kafkajs' default partitioner. */
  readonly partition?: number;
}

/** A running broker that a test can produce to. */
export interface KafkaBroker {
  /** Bootstrap servers, `host:port`. */
  readonly brokers: string[];
  /**
   * Writes messages and waits until every broker replica has them.
   * @param topic the topic
   * @param messages messages in order
   */
  produce(topic: string, messages: readonly KafkaTestMessage[]): Promise<void>;
  /** Disconnects the producer and stops the broker if the test started it. */
  close(): Promise<void>;
}

/** A mock broker whose availability a test can switch, to check reconnection. */
export interface MockKafkaBroker extends KafkaBroker {
  /**
   * Drops every connection and refuses new ones (`false`), or accepts them again (`true`).
   * @param available whether the brokers accept connections
   */
  setAvailable(available: boolean): Promise<void>;
}

/** Names an external broker (a real Kafka) to run the io tests against. */
export const EXTERNAL_BROKERS_ENV = "EDGECEP_TEST_KAFKA_BROKERS";

const PRODUCE_CHUNK = 5_000;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const SOURCE = new URL("./kafka_mock.c", import.meta.url);
const BINARY = new URL("../../.tmp/kafka_mock", import.meta.url);

/**
 * Returns a topic name no other test or run uses, so tests never see each other's data.
 * @param prefix a readable prefix
 * @returns the name
 */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Starts a broker with the given topics: the external one from `EDGECEP_TEST_KAFKA_BROKERS`
 * (comma-separated `host:port`) if set, else a new mock cluster.
 * @param options topics to create
 * @returns the running broker
 * @throws {Error} if the launcher cannot be built or started, or the topics cannot be created
 */
export async function startKafka(options: KafkaBrokerOptions): Promise<KafkaBroker> {
  const external = Deno.env.get(EXTERNAL_BROKERS_ENV);
  if (external === undefined || external.trim() === "") return await startMockKafka(options);
  const brokers = external.split(",").map((b) => b.trim()).filter((b) => b !== "");
  const kafka = createKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: options.topics.map((t) => ({ topic: t.name, numPartitions: t.partitions })),
    });
  } finally {
    await admin.disconnect();
  }
  const producer = new LazyProducer(kafka);
  return {
    brokers,
    produce: (topic, messages) => producer.send(topic, messages),
    close: () => producer.close(),
  };
}

/**
 * Starts a new librdkafka mock cluster, building its launcher first if needed.
 * Used directly only by tests that inject faults; others call {@link startKafka}.
 * @param options topics to create and the number of brokers
 * @returns the running mock broker
 * @throws {Error} if gcc or librdkafka is missing, or the launcher fails to start
 */
export async function startMockKafka(options: KafkaBrokerOptions): Promise<MockKafkaBroker> {
  const binary = await buildLauncher();
  const args = [
    String(options.brokerCount ?? 3),
    ...options.topics.map((t) => `${t.name}:${t.partitions}`),
  ];
  const child = new Deno.Command(binary, { args, stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const stdin = child.stdin.getWriter();
  const lines = readLines(child.stdout);
  const stderr = new Response(child.stderr).text();
  const stop = async () => {
    // Closing stdin makes the launcher exit; the kill is for a launcher that hangs.
    await stdin.close().catch(() => {});
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    try {
      while (!(await lines.next()).done) { /* drain, so the pipe closes */ }
      await child.status;
      await stderr;
    } finally {
      clearTimeout(timer);
    }
  };
  const first = await withTimeout(lines.next(), START_TIMEOUT_MS);
  if (first === undefined || first.done || first.value === "") {
    await stop();
    throw new Error(`Cannot start the Kafka mock cluster: ${(await stderr).trim() || "no output"}`);
  }
  const brokers = first.value.split(",");
  const producer = new LazyProducer(createKafka(brokers));
  return {
    brokers,
    produce: (topic, messages) => producer.send(topic, messages),
    async setAvailable(available) {
      await stdin.write(new TextEncoder().encode(available ? "up\n" : "down\n"));
      const ack = await lines.next();
      if (ack.done || ack.value !== "ok") {
        throw new Error(`Cannot switch the Kafka mock cluster ${available ? "up" : "down"}`);
      }
    },
    async close() {
      await producer.close();
      await stop();
    },
  };
}

function createKafka(brokers: string[]): Kafka {
  // Produce errors surface as rejections; kafkajs' own log lines would only clutter test output.
  return new Kafka({ clientId: "edgecep-test", brokers, logLevel: logLevel.NOTHING });
}

/** Connects on first use, so tests that never produce open no producer connection. */
class LazyProducer {
  readonly #kafka: Kafka;
  #producer: Promise<Producer> | undefined;

  constructor(kafka: Kafka) {
    this.#kafka = kafka;
  }

  async send(topic: string, messages: readonly KafkaTestMessage[]): Promise<void> {
    this.#producer ??= (async () => {
      const producer = this.#kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      return producer;
    })();
    const producer = await this.#producer;
    for (let i = 0; i < messages.length; i += PRODUCE_CHUNK) {
      const chunk = messages.slice(i, i + PRODUCE_CHUNK).map((m) =>
        m.partition === undefined ? { value: m.value } : { value: m.value, partition: m.partition }
      );
      await producer.send({ topic, acks: -1, messages: chunk });
    }
  }

  async close(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    if (producer !== undefined) await (await producer).disconnect();
  }
}

/** Builds the launcher into `.tmp/` unless a build newer than its source is there. */
async function buildLauncher(): Promise<string> {
  const source = await Deno.stat(SOURCE);
  const built = await Deno.stat(BINARY).catch(() => undefined);
  const binary = decodeURIComponent(BINARY.pathname);
  if (built?.mtime && source.mtime && built.mtime >= source.mtime) return binary;
  await Deno.mkdir(new URL(".", BINARY), { recursive: true });
  // Build beside the target and rename, so parallel test processes never run a partial file.
  const partial = `${binary}.${Deno.pid}.partial`;
  const gcc = await new Deno.Command("gcc", {
    args: ["-O2", "-Wall", "-o", partial, decodeURIComponent(SOURCE.pathname), "-lrdkafka"],
    stdout: "piped",
    stderr: "piped",
  }).output().catch((error) => {
    throw new Error("Cannot build the Kafka mock launcher: gcc is not available", { cause: error });
  });
  if (!gcc.success) {
    await Deno.remove(partial).catch(() => {});
    const message = new TextDecoder().decode(gcc.stderr).trim();
    throw new Error(
      `Cannot build the Kafka mock launcher (is librdkafka-dev installed?): ${message}`,
    );
  }
  await Deno.rename(partial, binary);
  return binary;
}

async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    buffered += text;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
    }
  }
  if (buffered !== "") yield buffered;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
