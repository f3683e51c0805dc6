/**
 * Measures compiled conditions, one core, no I/O:
 *
 * - `condition_evals_per_s`: `action == 0`, the only condition the call site has seen;
 * - `condition_polymorphic_evals_per_s`: the same closure after eight other conditions went
 *   through the same call site, as in an engine that holds many rules (the field read is then a
 *   megamorphic keyed load);
 * - `string_contains_evals_per_s`: `string.contains(name, 'mid')`;
 * - `jexl_evalsync_evals_per_s`: jexl's `compile("action == 0").evalSync`, for comparison.
 *
 * Run: `deno run bench/condition_bench.ts`
 *
 * @module
 */

import jexl from "jexl";
import type { Event } from "../engine/mod.ts";
import { compileExpression } from "../rules/expression.ts";

const EVENT_COUNT = 4096; // a power of two, so the loop indexes with a mask
const NAMES = ["start", "xmidy", "middle", "end", "mid", "a-mid", "other"];

// Parsed from JSON like the events the Kafka source delivers, so they have the same shape.
const events: Event[] = Array.from({ length: EVENT_COUNT }, (_, i) =>
  JSON.parse(JSON.stringify({
    id: i % 97,
    name: NAMES[i % NAMES.length],
    action: i % 3,
    productionId: i % 5,
    eventTime: 1_662_022_777_000 + i,
  })));

function measure(evaluate: (event: Event) => boolean, evaluations: number): number {
  let matches = 0;
  const start = performance.now();
  for (let i = 0; i < evaluations; i++) {
    if (evaluate(events[i & (EVENT_COUNT - 1)]!)) matches++;
  }
  const seconds = (performance.now() - start) / 1000;
  // Using the count keeps the loop from being optimised away
  if (matches < 0) console.log(matches);
  return Math.round(evaluations / seconds);
}

const actionIsZero = compileExpression("action == 0", "AVIATOR");
measure(actionIsZero, 1_000_000); // warm-up
console.log(`condition_evals_per_s: ${measure(actionIsZero, 20_000_000)}`);

const others = [
  "name == 'start'",
  "id > 50",
  "productionId != 2",
  "eventTime >= 1662022778000",
  "action == 1 && id < 10",
  "string.startsWith(name, 'a-')",
  "price > 3.0 || name == 'end'",
  "id % 2 == 0",
].map((source) => compileExpression(source, "AVIATOR"));
for (const other of others) measure(other, 500_000);
console.log(`condition_polymorphic_evals_per_s: ${measure(actionIsZero, 20_000_000)}`);

const containsMid = compileExpression("string.contains(name, 'mid')", "AVIATOR");
measure(containsMid, 1_000_000);
console.log(`string_contains_evals_per_s: ${measure(containsMid, 10_000_000)}`);

const jexlExpression = jexl.compile("action == 0");
const jexlCondition = (event: Event) => jexlExpression.evalSync(event) === true;
measure(jexlCondition, 100_000);
console.log(`jexl_evalsync_evals_per_s: ${measure(jexlCondition, 1_000_000)}`);
