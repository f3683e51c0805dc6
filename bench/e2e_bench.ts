/**
 * The job end to end, against the broker and MariaDB the tests use, side by side with a lean
 * pipeline doing the same work by hand and a bare kafkajs consumer. Prints `name: value` lines;
 * see BENCHMARKS.md.
 *
 * Run: `deno task bench:e2e [--mode default|rules|eventtime|checkpoints|soak] [--rounds N]
 * [--minutes M] [--rate EVENTS_PER_S]` (needs gcc, librdkafka-dev and mariadbd, or
 * `EDGECEP_TEST_KAFKA_BROKERS` / `EDGECEP_TEST_MYSQL_URL`).
 *
 * - `default`: the job, the lean pipeline and bare kafkajs in turn, each round, over 200 k events.
 * - `rules`: the job with Rule 1 against the job with 1,000 product rules, over 1,000 products.
 * - `eventtime`: the job in processing time against the job in event time.
 * - `checkpoints`: the job checkpointing every 500 ms against `--checkpointIntervalMs 0`.
 * - `soak`: the job while events are produced at a steady rate; its RSS each minute.
 *
 * @module
 */

import { parseArgs } from "node:util";
import mysql from "mysql2/promise";
import { type KafkaBroker, startKafka, uniqueTopic } from "../tests/_helpers/kafka_broker.ts";
import {
  DEMO_FUNCTION,
  type MariaDb,
  QUICK_START_TABLES,
  startMariaDb,
} from "../tests/_helpers/mariadb.ts";
import { CONSUMER_RUN_ENV, type ConsumerResult, type ConsumerRun } from "./_e2e_consumers.ts";
import { BenchJob, type JobResult, procStatusBytes } from "./_e2e_job.ts";
import { START_PERMISSIONS } from "../tests/_helpers/job_process.ts";
import {
  PARTITIONS,
  productRule,
  rule1Pattern,
  views,
  VIEWS_PER_KEY,
  workload,
  type WorkloadOptions,
} from "./_e2e_workload.ts";
import { print } from "./_race.ts";

const KEYS = 50_000;
const DEFAULT_STREAM: WorkloadOptions = { keys: KEYS, products: 10 };
const PRODUCTS_STREAM: WorkloadOptions = { keys: KEYS, products: 1_000 };
const MB = 1024 * 1024;
/** A soak stops early if the job's RSS passes this, so that it cannot exhaust a shared machine. */
const SOAK_RSS_LIMIT = 3072 * MB;

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    mode: { type: "string", default: "default" },
    rounds: { type: "string" },
    minutes: { type: "string" },
    rate: { type: "string" },
  },
});
const MODES = ["default", "rules", "eventtime", "checkpoints", "soak"];
if (!MODES.includes(flags.mode)) {
  throw new RangeError(`Invalid --mode "${flags.mode}": expected one of ${MODES.join(", ")}`);
}

/** A positive integer flag, or `fallback` when absent. */
function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`Invalid --${name} "${value}": expected a positive integer`);
  }
  return n;
}

/** The environment of one bench run: broker, database and a connection for counting rows. */
interface Bench {
  readonly broker: KafkaBroker;
  readonly db: MariaDb;
  readonly connection: mysql.Connection;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Prints the median of the rounds and the rounds themselves. */
function printRounds(name: string, values: readonly number[], digits = 0): void {
  print(name, median(values).toFixed(digits));
  print(`${name}_rounds`, values.map((v) => v.toFixed(digits)).join(" "));
}

async function countRows(bench: Bench): Promise<number> {
  const [rows] = await bench.connection.query("SELECT COUNT(*) AS n FROM match_results");
  return Number((rows as { n: number }[])[0]!.n);
}

async function setRules(bench: Bench, patterns: readonly { id: string; pattern: unknown }[]) {
  await bench.connection.query("DELETE FROM rds_demo");
  const rows = patterns.map(({ id, pattern }) => [id, 1, JSON.stringify(pattern), DEMO_FUNCTION]);
  await bench.connection.query(
    "INSERT INTO rds_demo (`id`, `version`, `pattern`, `function`) VALUES ?",
    [rows],
  );
}

/** One run of the job on a fresh group and an empty `match_results`. */
async function runJob(
  bench: Bench,
  topic: string,
  expected: { events: number; matches: number },
  usingEventTime = false,
  extraArgs: readonly string[] = [],
): Promise<JobResult> {
  await bench.db.query("TRUNCATE match_results");
  await using job = new BenchJob({
    brokers: bench.broker.brokers,
    topic,
    groupId: uniqueTopic("bench-job"),
    jdbcUrl: bench.db.jdbcUrl,
    usingEventTime,
    extraArgs,
  });
  return await job.measure({ ...expected, trailers: PARTITIONS }, () => countRows(bench));
}

/** One run of the lean pipeline or bare kafkajs, in its own process like the job. */
async function runConsumer(
  bench: Bench,
  kind: ConsumerRun["kind"],
  topic: string,
  expected: { events: number; matches: number },
): Promise<ConsumerResult & { peakRssBytes: number }> {
  await bench.db.query("TRUNCATE match_results");
  const { host, port, user, password, database } = bench.db.config;
  const config: ConsumerRun = {
    kind,
    brokers: bench.broker.brokers,
    topic,
    groupId: uniqueTopic(`bench-${kind}`),
    events: expected.events,
    matches: kind === "lean" ? expected.matches : 0,
    db: { host, port, user, password, database },
  };
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...START_PERMISSIONS, new URL("./_e2e_consumers.ts", import.meta.url).pathname],
    env: { [CONSUMER_RUN_ENV]: JSON.stringify(config), KAFKAJS_NO_PARTITIONER_WARNING: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Deno lets a process read /proc only with --allow-all: the bench reads the child's VmHWM.
  let peakRssBytes = 0;
  const sampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, procStatusBytes(child.pid, "VmHWM"));
  }, 100);
  const output = await child.output();
  clearInterval(sampler);
  const stderr = new TextDecoder().decode(output.stderr).trim();
  if (!output.success) throw new Error(`The ${kind} consumer failed:\n${stderr}`);
  const result: ConsumerResult & { peakRssBytes: number } = {
    ...JSON.parse(stderr.split("\n").at(-1)!),
    peakRssBytes,
  };
  if (kind === "lean" && await countRows(bench) !== expected.matches) {
    throw new Error(`The lean pipeline wrote ${await countRows(bench)} rows`);
  }
  return result;
}

async function defaultMode(bench: Bench, topic: string, events: number, rounds: number) {
  const expected = { events, matches: KEYS };
  await setRules(bench, [{ id: "1", pattern: await rule1Pattern() }]);
  const job: JobResult[] = [];
  const lean: (ConsumerResult & { peakRssBytes: number })[] = [];
  const bare: ConsumerResult[] = [];
  for (let r = 0; r < rounds; r++) {
    job.push(await runJob(bench, topic, expected));
    lean.push(await runConsumer(bench, "lean", topic, expected));
    bare.push(await runConsumer(bench, "kafkajs", topic, expected));
    console.error(`round ${r + 1}/${rounds} done`);
  }
  const jobRates = job.map((j) => j.events / j.seconds);
  const leanRates = lean.map((l) => l.events / l.seconds);
  const bareRates = bare.map((b) => b.events / b.seconds);
  print("events", events);
  print("keys", KEYS);
  print("rounds", rounds);
  printRounds("job_events_per_s", jobRates);
  printRounds("lean_events_per_s", leanRates);
  printRounds("kafkajs_events_per_s", bareRates);
  printRounds("job_vs_lean", jobRates.map((j, i) => j / leanRates[i]!), 2);
  printRounds("job_vs_kafkajs", jobRates.map((j, i) => j / bareRates[i]!), 2);
  print("job_matches", job.map((j) => j.matches).join(" "));
  print("job_late_events", job.map((j) => j.late).join(" "));
  print("job_rows", job.map((j) => j.rows).join(" "));
  print("lean_matches", lean.map((l) => l.matches).join(" "));
  printRounds("job_startup_s", job.map((j) => j.startupSeconds), 1);
  print("job_peak_rss_mb", Math.round(Math.max(...job.map((j) => j.peakRssBytes)) / MB));
  const batches = lean.reduce((sum, l) => sum + l.batches, 0);
  print("lean_events_per_batch", Math.round(events * rounds / batches));
  print("lean_peak_rss_mb", Math.round(Math.max(...lean.map((l) => l.peakRssBytes)) / MB));
}

async function rulesMode(bench: Bench, topic: string, rounds: number) {
  const messages = workload(PRODUCTS_STREAM);
  await bench.broker.produce(topic, messages);
  const events = messages.length;
  const expected = { events, matches: KEYS };
  const rule1 = await rule1Pattern();
  const productRules = Array.from({ length: 1_000 }, (_, i) => ({
    id: String(i + 1),
    pattern: productRule(rule1, i + 1),
  }));
  const one: JobResult[] = [];
  const thousand: JobResult[] = [];
  for (let r = 0; r < rounds; r++) {
    await setRules(bench, [{ id: "1", pattern: rule1 }]);
    one.push(await runJob(bench, topic, expected));
    await setRules(bench, productRules);
    thousand.push(await runJob(bench, topic, expected));
    console.error(`round ${r + 1}/${rounds} done`);
  }
  const oneRates = one.map((j) => j.events / j.seconds);
  const thousandRates = thousand.map((j) => j.events / j.seconds);
  print("events", events);
  print("keys", KEYS);
  print("products", PRODUCTS_STREAM.products);
  print("rounds", rounds);
  printRounds("rules_1_events_per_s", oneRates);
  printRounds("rules_1000_events_per_s", thousandRates);
  printRounds("rules_1000_vs_1", thousandRates.map((t, i) => t / oneRates[i]!), 2);
  print("rules_1_matches", one.map((j) => j.matches).join(" "));
  print("rules_1000_matches", thousand.map((j) => j.matches).join(" "));
  print(
    "rules_1000_peak_rss_mb",
    Math.round(Math.max(...thousand.map((j) => j.peakRssBytes)) / MB),
  );
}

async function eventTimeMode(bench: Bench, topic: string, events: number, rounds: number) {
  const expected = { events, matches: KEYS };
  await setRules(bench, [{ id: "1", pattern: await rule1Pattern() }]);
  const processing: JobResult[] = [];
  const eventTime: JobResult[] = [];
  for (let r = 0; r < rounds; r++) {
    processing.push(await runJob(bench, topic, expected, false));
    eventTime.push(await runJob(bench, topic, expected, true));
    console.error(`round ${r + 1}/${rounds} done`);
  }
  const processingRates = processing.map((j) => j.events / j.seconds);
  const eventTimeRates = eventTime.map((j) => j.events / j.seconds);
  print("events", events);
  print("rounds", rounds);
  printRounds("processing_time_events_per_s", processingRates);
  printRounds("event_time_events_per_s", eventTimeRates);
  printRounds("eventtime_vs_processing", eventTimeRates.map((e, i) => e / processingRates[i]!), 2);
  print("event_time_matches", eventTime.map((j) => j.matches).join(" "));
  // Late events are dropped, so their matches are missing: such a round did less work.
  print("event_time_late_events", eventTime.map((j) => j.late).join(" "));
}

async function checkpointsMode(bench: Bench, topic: string, events: number, rounds: number) {
  const expected = { events, matches: KEYS };
  await setRules(bench, [{ id: "1", pattern: await rule1Pattern() }]);
  const without: JobResult[] = [];
  const withCheckpoints: JobResult[] = [];
  for (let r = 0; r < rounds; r++) {
    without.push(await runJob(bench, topic, expected, false, ["--checkpointIntervalMs", "0"]));
    // A run lasts a few seconds: checkpoints every 500 ms (a tenth of the default interval) make
    // several happen within it.
    withCheckpoints.push(
      await runJob(bench, topic, expected, false, ["--checkpointIntervalMs", "500"]),
    );
    console.error(`round ${r + 1}/${rounds} done`);
  }
  const withoutRates = without.map((j) => j.events / j.seconds);
  const withRates = withCheckpoints.map((j) => j.events / j.seconds);
  print("events", events);
  print("rounds", rounds);
  printRounds("no_checkpoints_events_per_s", withoutRates);
  printRounds("checkpoints_events_per_s", withRates);
  printRounds("checkpoint_cost", withRates.map((w, i) => 1 - w / withoutRates[i]!), 2);
  print("checkpoints_rows", withCheckpoints.map((j) => j.rows).join(" "));
}

async function soakMode(bench: Bench, topic: string, minutes: number, rate: number) {
  await setRules(bench, [{ id: "1", pattern: await rule1Pattern() }]);
  await bench.db.query("TRUNCATE match_results");
  await using job = new BenchJob({
    brokers: bench.broker.brokers,
    topic,
    groupId: uniqueTopic("bench-soak"),
    jdbcUrl: bench.db.jdbcUrl,
    usingEventTime: false,
  });
  while (await job.counters() === undefined) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const stream = views({ keys: Infinity, products: 10 });
  const tickMs = 200;
  const perTick = Math.round(rate * tickMs / 1000);
  const start = performance.now();
  const rss: number[] = [];
  let produced = 0;
  let stopped = "";
  for (let tick = 1; performance.now() - start < minutes * 60_000; tick++) {
    const chunk = Array.from({ length: perTick }, () => stream.next().value!);
    await bench.broker.produce(topic, chunk);
    produced += chunk.length;
    const minute = Math.floor((performance.now() - start) / 60_000);
    if (minute > rss.length) {
      rss.push(procStatusBytes(job.pid, "VmRSS"));
      const counters = await job.counters();
      console.error(
        `minute ${minute}: rss ${Math.round(rss.at(-1)! / MB)} MB, produced ${produced}, ` +
          `in ${counters?.eventsIn}, matches ${counters?.matches}`,
      );
    }
    if (procStatusBytes(job.pid, "VmRSS") > SOAK_RSS_LIMIT) {
      stopped = `RSS above ${SOAK_RSS_LIMIT / MB} MB after ${
        Math.round((performance.now() - start) / 1000)
      } s`;
      break;
    }
    const wait = start + tick * tickMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const seconds = (performance.now() - start) / 1000;
  rss.push(procStatusBytes(job.pid, "VmRSS"));
  // Let the job finish what was produced, if it can within a minute.
  const deadline = performance.now() + 60_000;
  let counters = await job.counters();
  while ((counters?.eventsIn ?? 0) < produced && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    counters = await job.counters();
  }
  print("soak_rate_target", rate);
  print("soak_produced_events_per_s", Math.round(produced / seconds));
  print("soak_seconds", Math.round(seconds));
  if (stopped !== "") print("soak_stopped", stopped);
  rss.forEach((bytes, i) =>
    print(
      i < rss.length - 1 ? `soak_rss_mb_minute_${i + 1}` : "soak_rss_mb_end",
      Math.round(bytes / MB),
    )
  );
  print("soak_rss_last_vs_first", (rss.at(-1)! / rss[0]!).toFixed(2));
  print("soak_produced", produced);
  print("soak_events_in", counters?.eventsIn ?? 0);
  print("soak_matches", counters?.matches ?? 0);
  print("soak_expected_matches_at_least", Math.floor(produced / VIEWS_PER_KEY) - 3_000);
  print("soak_peak_rss_mb", Math.round(procStatusBytes(job.pid, "VmHWM") / MB));
}

async function main(): Promise<void> {
  const mode = flags.mode;
  const defaultRounds = { default: 5, rules: 2, eventtime: 3, checkpoints: 3, soak: 1 }[mode] ?? 5;
  const rounds = positive("rounds", flags.rounds, defaultRounds);
  const minutes = positive("minutes", flags.minutes, 10);
  const rate = positive("rate", flags.rate, 25_000);
  const topics = mode === "soak"
    ? [{ name: uniqueTopic("bench-soak"), partitions: PARTITIONS }]
    : [];
  const db = await startMariaDb();
  let broker: KafkaBroker | undefined;
  let connection: mysql.Connection | undefined;
  try {
    await db.query(QUICK_START_TABLES);
    // The mock cluster does not create topics on request: name them before it starts.
    const defaultTopic = uniqueTopic("bench");
    const rulesTopic = uniqueTopic("bench");
    broker = await startKafka({
      topics: [
        ...topics,
        ...[defaultTopic, rulesTopic].map((name) => ({ name, partitions: PARTITIONS })),
      ],
    });
    const { host, port, user, password, database } = db.config;
    connection = await mysql.createConnection({ host, port, user, password, database });
    const bench: Bench = { broker, db, connection };
    // Other processes share the machine: their load is part of what the figures mean.
    const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
    const loadBefore = load();
    if (mode === "soak") {
      await soakMode(bench, topics[0]!.name, minutes, rate);
    } else if (mode === "rules") {
      await rulesMode(bench, rulesTopic, rounds);
    } else {
      const messages = workload(DEFAULT_STREAM);
      await broker.produce(defaultTopic, messages);
      if (mode === "eventtime") await eventTimeMode(bench, defaultTopic, messages.length, rounds);
      else if (mode === "checkpoints") {
        await checkpointsMode(bench, defaultTopic, messages.length, rounds);
      } else await defaultMode(bench, defaultTopic, messages.length, rounds);
    }
    print("host_load_before", loadBefore);
    print("host_load_after", load());
  } finally {
    await connection?.end();
    await broker?.close();
    await db.close();
  }
}

await main();
