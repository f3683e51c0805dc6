/**
 * Consume throughput of {@link KafkaSource} against the librdkafka mock cluster.
 *
 * Run: `deno run -A bench/kafka_source_bench.ts [messages] [queueCapacity]` (needs gcc and
 * librdkafka-dev).
 * Prints `kafka_source_msgs_per_s: N`, measured from the first record to the last, so that the
 * group join (about 3 s on the mock) does not count.
 *
 * @module
 */

import { KafkaSource } from "../io/kafka_source.ts";
import { SILENT_LOGGER } from "../io/logger.ts";
import { startMockKafka, uniqueTopic } from "../tests/_helpers/kafka_broker.ts";

const total = Number(Deno.args[0] ?? 200_000);
const queueCapacity = Number(Deno.args[1] ?? 10_000);
// The mock keeps about 5 MiB per partition: 4 partitions hold 200 k short lines with room.
const partitions = 4;
const topic = uniqueTopic("bench");
const broker = await startMockKafka({ topics: [{ name: topic, partitions }] });
try {
  const messages = Array.from({ length: total }, (_, i) => ({
    value: `${i % 1000},Ken,${i % 2},${i % 7},${1662022777000 + i}`,
    partition: i % partitions,
  }));
  const produceStart = performance.now();
  await broker.produce(topic, messages);
  const produceMs = performance.now() - produceStart;
  console.log(`kafka_produce_msgs_per_s: ${Math.round(total / (produceMs / 1000))}`);

  const source = new KafkaSource({
    brokers: broker.brokers,
    topic,
    groupId: uniqueTopic("bench"),
    logger: SILENT_LOGGER,
    sessionTimeout: 6_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 100,
    queueCapacity,
  });
  let count = 0;
  let bytes = 0;
  let first = 0;
  for await (const batch of source) {
    if (batch.type !== "batch") continue;
    if (count === 0) first = performance.now();
    for (const value of batch.values) bytes += value?.length ?? 0;
    count += batch.values.length;
    if (count >= total) break;
  }
  const consumeMs = performance.now() - first;
  await source.close();
  console.log(`kafka_source_msgs: ${count} (${bytes} bytes) in ${Math.round(consumeMs)} ms`);
  console.log(`kafka_source_msgs_per_s: ${Math.round(count / (consumeMs / 1000))}`);
} finally {
  await broker.close();
}
