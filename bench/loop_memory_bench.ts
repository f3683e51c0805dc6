/**
 * Memory of the job's pipeline loop over a long run, in process: synthetic batches of the quick
 * start's Rule 1 workload (each key four views, then never again, so the engine's own state stays
 * bounded) go through `runJob` with no sink. Prints the heap after a full GC at 100 k, 1 M and
 * every further million records: flat figures mean nothing is retained per record.
 *
 * `deno task bench:loop` (BENCH_EVENTS, default 10 M).
 *
 * @module
 */

import type { EventSource, SourceItem } from "../io/mod.ts";
import { SILENT_LOGGER } from "../io/mod.ts";
import { DEMO_PROCESS_FUNCTION, Metrics, runJob } from "../job/mod.ts";
import { readCount } from "./_race.ts";
import { RULE_1_PATTERN } from "./_workload.ts";

const EVENTS = readCount("BENCH_EVENTS", 10_000_000);
const BATCH = 1_000;
const KEYS_PER_BATCH = BATCH / 4;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("Run with --v8-flags=--expose-gc (deno task bench:loop)");

function heapMb(): number {
  gc!();
  return Deno.memoryUsage().heapUsed / 2 ** 20;
}

let sampledAt = 0;
const samples: string[] = [];
function sample(records: number): void {
  if (records < 100_000 || (records > 100_000 && records - sampledAt < 1_000_000)) return;
  if (records === sampledAt) return;
  sampledAt = records;
  const line = `records ${records}: heap_mb ${heapMb().toFixed(1)} rss_mb ${
    (Deno.memoryUsage().rss / 2 ** 20).toFixed(0)
  }`;
  samples.push(line);
  console.log(line);
}

/** Batches of four views per key, keys interleaved within a batch; yields to the loop each time. */
const source: EventSource = {
  async *[Symbol.asyncIterator](): AsyncGenerator<SourceItem> {
    for (let done = 0, b = 0; done < EVENTS; done += BATCH, b++) {
      const values = new Array<string>(BATCH);
      const offsets = new Array<string>(BATCH);
      for (let i = 0; i < BATCH; i++) {
        const user = b * KEYS_PER_BATCH + (i % KEYS_PER_BATCH);
        values[i] = `${user},u${user},0,1,${1_662_022_777_000 + done + i}`;
        offsets[i] = String(done + i);
      }
      sample(done);
      await new Promise((resolve) => setTimeout(resolve, 0));
      yield { type: "batch", topic: "bench", partition: 0, values, offsets };
    }
    sample(EVENTS);
  },
  start: () => {},
  commit: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

const started = performance.now();
const summary = await runJob({
  source,
  ruleStore: {
    async *watch() {
      yield [{ id: "1", version: 1, pattern: RULE_1_PATTERN, function: DEMO_PROCESS_FUNCTION }];
    },
    close: () => Promise.resolve(),
  },
  sink: null,
  timeBehaviour: "ProcessingTime",
  watermark: { outOfOrdernessMs: 5_000, idleTimeoutMs: 0 },
  eventFormat: "csv",
  logger: SILENT_LOGGER,
  metrics: new Metrics(),
  print: () => {},
  signal: new AbortController().signal,
});
const seconds = (performance.now() - started) / 1000;
console.log(`events ${summary.eventsIn}, matches ${summary.matches}, ${seconds.toFixed(1)} s`);
const first = Number(samples[0]?.match(/heap_mb ([\d.]+)/)?.[1]);
const last = Number(samples.at(-1)?.match(/heap_mb ([\d.]+)/)?.[1]);
console.log(`heap_last_vs_100k: ${(last / first).toFixed(2)}`);
