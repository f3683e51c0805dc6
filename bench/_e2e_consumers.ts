/**
 * The job's two yardsticks in the end-to-end bench, each run in its own process as the job is:
 *
 * - `lean`: the job's work for Rule 1 written by hand, the practical limit of this runtime. kafkajs
 *   `eachBatch`; per event a `split`, the key string and Rule 1 as a counter per key (the key's
 *   views since its last match, kept so that the match line can name them); per batch one buffered
 *   stdout write of the demo's match lines, one multi-row upsert into `match_results` and then the
 *   offset commit, overlapping the processing of the next batch (one write in flight at most).
 * - `kafkajs`: a bare kafkajs consumer (`eachBatch`, counting messages).
 *
 * Started by `e2e_bench.ts` with `EDGECEP_BENCH_CONSUMER` holding a JSON {@link ConsumerRun};
 * prints one JSON {@link ConsumerResult} line on stderr (stdout carries the match lines).
 *
 * @module
 */

import { Kafka, logLevel } from "kafkajs";
import mysql from "mysql2/promise";

/** What to run, passed in the environment so that the password stays off command lines. */
export interface ConsumerRun {
  readonly kind: "lean" | "kafkajs";
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  /** Messages on the topic: the run ends when all are read... */
  readonly events: number;
  /** ...and this many matches are written (lean only). */
  readonly matches: number;
  /** The database holding `match_results` (lean only). */
  readonly db?: {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
  };
}

/** A finished run, measured from the first batch to the last write. */
export interface ConsumerResult {
  readonly events: number;
  readonly matches: number;
  /** Batches kafkajs delivered. */
  readonly batches: number;
  readonly seconds: number;
}

/** The environment variable that carries the {@link ConsumerRun}. */
export const CONSUMER_RUN_ENV = "EDGECEP_BENCH_CONSUMER";

const UPSERT = "INSERT INTO match_results " +
  "(`rule_id`, `rule_version`, `user_id`, `user_name`, `production_id`) VALUES ? " +
  "ON DUPLICATE KEY UPDATE `user_name` = VALUES(`user_name`)";
const MATCH_PREFIX = "A match for Pattern of (id, version): (1, 1) is found. " +
  "The event sequence: start: [";

/** The demo's `Event#toString` from the CSV fields, which are already the printed values. */
function formatEvent(f: readonly string[]): string {
  return `Event(${f[0]}, ${f[1]}, ${f[2]}, ${f[3]}, ${f[4]})`;
}

async function run(config: ConsumerRun): Promise<ConsumerResult> {
  const kafka = new Kafka({
    clientId: "edgecep-bench",
    brokers: [...config.brokers],
    logLevel: logLevel.NOTHING,
  });
  // The job's own consumer settings (io/kafka_source.ts defaults).
  const consumer = kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: 500,
  });
  const db = config.kind === "lean" && config.db !== undefined
    ? await mysql.createConnection({ ...config.db })
    : undefined;
  const out = Deno.stdout;
  const encoder = new TextEncoder();
  const pending = new Map<string, string[][]>();
  let events = 0;
  let matches = 0;
  let first = 0;
  let last = 0;
  let batches = 0;
  let writing = Promise.resolve();
  const { promise: done, resolve, reject } = Promise.withResolvers<void>();
  const finishIfDone = () => {
    if (last === 0 && events >= config.events && matches >= config.matches) {
      last = performance.now();
      resolve();
    }
  };
  await consumer.connect();
  await consumer.subscribe({ topic: config.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (first === 0) first = performance.now();
      batches++;
      const messages = batch.messages;
      if (config.kind === "kafkajs") {
        events += messages.length;
      } else {
        let lines = "";
        const rows: unknown[][] = [];
        for (let i = 0; i < messages.length; i++) {
          const f = messages[i]!.value!.toString().split(",");
          const action = Number(f[2]);
          const key = `${f[0]},${f[3]}`;
          const views = pending.get(key);
          // Rule 1 (see _handwritten.ts): three views, then any event but a purchase.
          if (views !== undefined && views.length >= 3 && action !== 1) {
            pending.delete(key);
            lines += `${MATCH_PREFIX}${views.map(formatEvent).join(", ")}]end: [${
              formatEvent(f)
            }]\n`;
            rows.push([1, 1, Number(f[0]), f[1], Number(f[3])]);
          } else if (action === 0) {
            if (views === undefined) pending.set(key, [f]);
            else views.push(f);
          }
        }
        // Written while the next batch is processed, one write in flight at most, so that a
        // slow database holds the consumer back; offsets are committed after their output.
        await writing;
        const offset = (BigInt(batch.lastOffset()) + 1n).toString();
        const position = { topic: batch.topic, partition: batch.partition, offset };
        const count = messages.length;
        writing = (async () => {
          if (lines !== "") {
            const bytes = encoder.encode(lines);
            for (let written = 0; written < bytes.length;) {
              written += await out.write(bytes.subarray(written));
            }
          }
          if (rows.length > 0) await db!.query(UPSERT, [rows]);
          await consumer.commitOffsets([position]);
          events += count;
          matches += rows.length;
          finishIfDone();
        })();
        writing.catch(reject);
        return;
      }
      finishIfDone();
    },
  });
  await done;
  await consumer.disconnect();
  await db?.end();
  return { events, matches, batches, seconds: (last - first) / 1000 };
}

if (import.meta.main) {
  const config: ConsumerRun = JSON.parse(Deno.env.get(CONSUMER_RUN_ENV) ?? "null");
  const result = await run(config);
  console.error(JSON.stringify(result));
}
