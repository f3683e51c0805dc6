import assert from "node:assert/strict";
import { SILENT_LOGGER } from "../../io/logger.ts";
import { Metrics } from "../../job/metrics.ts";
import { DEMO_PROCESS_FUNCTION } from "../../job/rule_registry.ts";
import { type JobOptions, runJob } from "../../job/run_job.ts";
import { MemoryRuleStore, MemorySink, MemorySource } from "../_helpers/memory_io.ts";

const rule1 = Deno.readTextFileSync(
  new URL("../../../shared/conformance/seed/QuickStart.rule1.json", import.meta.url),
);
const RULE_1 = {
  id: "1",
  version: 1,
  pattern: JSON.stringify(JSON.parse(rule1).pattern),
  function: DEMO_PROCESS_FUNCTION,
};

function options(source: MemorySource, sink: MemorySink, overrides: Partial<JobOptions> = {}) {
  const lines: string[] = [];
  const metrics = new Metrics();
  const job: JobOptions = {
    source,
    ruleStore: new MemoryRuleStore([RULE_1]),
    sink,
    timeBehaviour: "EventTime",
    watermark: { outOfOrdernessMs: 5000, idleTimeoutMs: 0 },
    eventFormat: "auto",
    logger: SILENT_LOGGER,
    metrics,
    print: (printed) => void lines.push(...printed),
    signal: new AbortController().signal,
    now: () => 0,
    tickMs: 5,
    ...overrides,
  };
  return { job, lines, metrics };
}

Deno.test("runJob() matches Ken's messages and writes one row in processing time", async () => {
  const source = new MemorySource([
    "1,Ken,0,1,1662022777000",
    "1,Ken,0,1,1662022778000",
    "1,Ken,0,1,1662022779000",
    "1,Ken,0,1,1662022780000",
  ]);
  const sink = new MemorySink();
  let clock = 1000;
  const { job, lines } = options(source, sink, {
    timeBehaviour: "ProcessingTime",
    now: () => clock++,
  });
  const summary = await runJob(job);
  assert.deepEqual(summary, { eventsIn: 4, malformed: 0, late: 0, matches: 1 });
  assert.match(lines[0]!, /^A match for Pattern of \(id, version\): \(1, 1\) is found\./);
  assert.deepEqual(sink.rows, [{
    ruleId: "1",
    ruleVersion: 1,
    userId: 1,
    userName: "Ken",
    productionId: 1,
  }]);
  assert.equal(source.committed, "3");
});

Deno.test("runJob() sorts events within the out-of-orderness bound in event time", async () => {
  const source = new MemorySource([
    "1,Ken,0,1,1000",
    "1,Ken,0,1,3000",
    "1,Ken,0,1,2000", // out of order by 1 s: still matched in timestamp order
    "1,Ken,0,1,4000",
  ]);
  const sink = new MemorySink();
  const { job, lines } = options(source, sink);
  await runJob(job);
  assert.equal(lines.length, 1);
  assert.match(
    lines[0]!,
    /Event\(1, Ken, 0, 1, 1000\), Event\(1, Ken, 0, 1, 2000\), Event\(1, Ken, 0, 1, 3000\)\]end: \[Event\(1, Ken, 0, 1, 4000\)\]/,
  );
});

Deno.test("runJob() drops and counts events later than the watermark", async () => {
  const source = new MemorySource(["1,Ken,0,1,100000", "1,Ken,0,1,90000", "1,Ken,0,1,99000"]);
  const { job, metrics } = options(source, new MemorySink());
  const summary = await runJob(job);
  assert.equal(summary.late, 1);
  assert.equal(metrics.get("edgecep_events_late_total"), 1);
});

Deno.test("runJob() counts and skips malformed records, and still matches the good ones", async () => {
  const source = new MemorySource([
    "garbage",
    "1,Ken,0,1,1000",
    "1,Ken,0",
    "1,Ken,0,1,2000",
    "{}",
    "1,Ken,0,1,3000",
    "x,Ken,0,1,3500",
    "1,Ken,0,1,4000",
  ]);
  const sink = new MemorySink();
  const { job, metrics } = options(source, sink);
  const summary = await runJob(job);
  assert.equal(summary.malformed, 4);
  assert.equal(metrics.get("edgecep_events_malformed_total"), 4);
  assert.equal(summary.matches, 1);
  assert.equal(source.committed, "7");
});

Deno.test("runJob() commits every handled record without checkpoints, partial matches open or not", async () => {
  const source = new MemorySource(["1,Ken,2,1,1000", "1,Ken,0,1,2000", "1,Ken,0,1,3000"]);
  const { job } = options(source, new MemorySink(), {
    timeBehaviour: "ProcessingTime",
    now: () => 5,
  });
  await runJob(job);
  // Offsets 1 and 2 open a partial match: without checkpoints it does not survive a restart,
  // and it no longer holds the offsets back.
  assert.equal(source.committed, "2");
});

Deno.test("runJob() commits only after the sink has written the matches", async () => {
  const order: string[] = [];
  const source = new MemorySource([
    "1,Ken,0,1,1000",
    "1,Ken,0,1,2000",
    "1,Ken,0,1,3000",
    "1,Ken,0,1,4000",
  ]);
  const sink = new MemorySink();
  const write = sink.write.bind(sink);
  sink.write = async (batch) => {
    await new Promise((r) => setTimeout(r, 20));
    order.push(`write ${batch.length}`);
    return write(batch);
  };
  const commit = source.commit.bind(source);
  source.commit = (positions) => {
    order.push(`commit ${positions[0]?.offset}`);
    return commit(positions);
  };
  const { job } = options(source, sink, { timeBehaviour: "ProcessingTime", now: () => 5 });
  await runJob(job);
  assert.deepEqual(order.filter((o) => o.startsWith("write")), ["write 1"]);
  assert.ok(order.indexOf("write 1") < order.indexOf("commit 3"), order.join(", "));
});

Deno.test("runJob() stops promptly when aborted while the source waits", async () => {
  const stop = new AbortController();
  const source = new MemorySource([]);
  // A Kafka topic with no new records: next() never settles.
  source[Symbol.asyncIterator] = () => ({ next: () => new Promise(() => {}) });
  const { job } = options(source, new MemorySink(), { signal: stop.signal });
  const run = runJob(job);
  setTimeout(() => stop.abort(), 20);
  const summary = await run;
  assert.equal(summary.eventsIn, 0);
});

Deno.test("runJob() prints a batch's match lines in one call and commits after its rows", async () => {
  const values = [1, 2, 3].flatMap((user) => [
    `${user},U${user},0,1,1000`,
    `${user},U${user},0,1,2000`,
    `${user},U${user},0,1,3000`,
    `${user},U${user},0,1,4000`,
  ]);
  const source = new MemorySource(values, { batchSize: values.length });
  const sink = new MemorySink();
  const calls: (readonly string[])[] = [];
  const { job } = options(source, sink, {
    timeBehaviour: "ProcessingTime",
    now: () => 5,
    print: (lines) => void calls.push(lines),
  });
  const summary = await runJob(job);
  assert.deepEqual(summary, { eventsIn: 12, malformed: 0, late: 0, matches: 3 });
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0]!.map((line) => line.match(/\[Event\((\d)/)?.[1]), ["1", "2", "3"]);
  assert.deepEqual(sink.batches.map((b) => b.map((r) => r.userId)), [[1, 2, 3]]);
  assert.equal(source.committed, "11");
});

Deno.test("runJob() returns at once when its signal was aborted before it started", async () => {
  const stop = new AbortController();
  stop.abort();
  const source = new MemorySource([]);
  source[Symbol.asyncIterator] = () => ({ next: () => new Promise(() => {}) });
  const { job } = options(source, new MemorySink(), { signal: stop.signal });
  const summary = await runJob(job);
  assert.equal(summary.eventsIn, 0);
});
