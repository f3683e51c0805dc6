/**
 * Throughput and memory of the engine on the quick start's Rule 1, against a matcher written by
 * hand for that rule alone. Prints `name: value` lines; see BENCHMARKS.md for targets.
 *
 * Run: `deno task bench`, or with V8's own gc hook:
 * `deno run --allow-read --v8-flags=--expose-gc bench/engine_bench.ts`.
 * Set `BENCH_EVENTS` (needs `--allow-env`) for a shorter run while profiling, and `BENCH_KEYS`
 * to see how much of the cost comes from the number of keys (cache misses) rather than the work.
 *
 * @module
 */

import { type Condition, KeyedOperator, type PatternDefinition } from "../engine/mod.ts";
import { compileCondition, compileRule, DEFAULT_CONDITION_REGISTRY } from "../rules/mod.ts";
import { type ClickEvent, eventStream, generateEvents, keyOf } from "./_events.ts";
import { type Contender, findGc, print, race } from "./_race.ts";
import { selfCheck } from "./_self_check.ts";
import { EVENTS, RULE_1_PATTERN, runEngine, runHandwritten, STREAM } from "./_workload.ts";

const CONDITION_EVALS = 50_000_000;

/**
 * Heap held by the state a full run leaves behind, per live partial match. Events come from the
 * generator and nothing else keeps them, so the events the partial matches hold are counted.
 */
function measureMemory(definition: PatternDefinition): { bytes: number; live: number } {
  const gc = findGc();
  gc();
  gc();
  const before = Deno.memoryUsage().heapUsed;
  const operator = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  operator.setRule({ id: "1", version: 1 }, definition);
  for (const e of eventStream(EVENTS, STREAM)) operator.processElement(keyOf(e), e, e.eventTime);
  gc();
  gc();
  const after = Deno.memoryUsage().heapUsed;
  let live = 0;
  for (const n of operator.partialMatchCounts().values()) live += n;
  return { bytes: (after - before) / live, live };
}

/** Evaluations per second of the compiled `action == 0` over events of varied actions. */
function measureCondition(condition: Condition, events: readonly ClickEvent[]): number {
  // A power-of-two slice so the index is a mask, and large enough to defeat branch prediction.
  const sample = events.slice(0, 4096);
  const mask = sample.length - 1;
  const loop = (n: number): number => {
    let hits = 0;
    for (let i = 0; i < n; i++) if (condition(sample[i & mask]!)) hits++;
    return hits;
  };
  loop(1_000_000);
  const start = performance.now();
  const hits = loop(CONDITION_EVALS);
  const seconds = (performance.now() - start) / 1000;
  // Using the result keeps the loop from being optimised away.
  if (hits <= 0 || hits >= CONDITION_EVALS) throw new Error(`Unexpected hit count ${hits}`);
  return CONDITION_EVALS / seconds;
}

function main(): void {
  const definition = compileRule({ id: "1", pattern: RULE_1_PATTERN });
  selfCheck(definition);
  const events = generateEvents(EVENTS, STREAM);

  const contenders: Contender[] = [
    { label: "engine", run: (e) => runEngine(definition, e) },
    { label: "hand-written", run: runHandwritten },
  ];
  race(events, contenders);
  const engine = contenders[0]!.fastest!;
  const handwritten = contenders[1]!.fastest!;
  if (engine.matches !== handwritten.matches) {
    throw new Error(`Match counts differ: engine ${engine.matches}, hand ${handwritten.matches}`);
  }
  const engineRate = EVENTS / engine.seconds;
  const handwrittenRate = EVENTS / handwritten.seconds;

  const condition = compileCondition(
    { expression: "action == 0", type: "AVIATOR" },
    { registry: DEFAULT_CONDITION_REGISTRY, path: "bench" },
  );
  if (condition === null) throw new Error("action == 0 compiled to no condition");
  const conditionRate = measureCondition(condition, events);
  const memory = measureMemory(definition);

  print("events", EVENTS);
  print("keys", STREAM.keys);
  print("engine_events_per_s", Math.round(engineRate));
  print("handwritten_events_per_s", Math.round(handwrittenRate));
  print("engine_vs_handwritten", (engineRate / handwrittenRate).toFixed(2));
  print("engine_matches", engine.matches);
  print("handwritten_matches", handwritten.matches);
  print("bytes_per_partial_match", Math.round(memory.bytes));
  print("live_partial_matches", memory.live);
  print("condition_evals_per_s", Math.round(conditionRate));
}

main();
