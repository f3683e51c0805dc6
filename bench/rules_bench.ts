/**
 * What many rules cost: the quick start's Rule 1 once, against a thousand product rules (rule i
 * is Rule 1 whose start is `action == 0 && productionId == i`), over the same stream of a
 * thousand products. Together the product rules match exactly what Rule 1 matches, each key's
 * matches coming from the rule of its product, so both must count the same. Prints
 * `name: value` lines; see BENCHMARKS.md.
 *
 * Run: `deno task bench:rules`. Set `BENCH_EVENTS`, `BENCH_KEYS` or `BENCH_RULES` (needs
 * `--allow-env`) for another size.
 *
 * @module
 */

import { KeyedOperator, type PatternDefinition } from "../engine/mod.ts";
import { compileRule } from "../rules/mod.ts";
import { type ClickEvent, generateEvents, type GenerateOptions, keyOf } from "./_events.ts";
import { type Contender, print, race, readCount, type Timed } from "./_race.ts";
import { RULE_1_PATTERN } from "./_workload.ts";

/** Product rules, and so products in the stream. */
const RULES = readCount("BENCH_RULES", 1_000);
const EVENTS = readCount("BENCH_EVENTS", 200_000);
/** A thousand products for each of 20 users by default: every key sees about ten events. */
const STREAM: GenerateOptions = {
  keys: readCount("BENCH_KEYS", 20 * RULES),
  productsPerUser: RULES,
  viewProbability: 0.7,
  seed: 20220901,
};

/** Rule 1 whose start also requires the product `productionId`. */
function productRule(productionId: number): PatternDefinition {
  const pattern = JSON.parse(RULE_1_PATTERN);
  const start = pattern.nodes.find((node: { name: string }) => node.name === "start");
  start.condition = {
    type: "AVIATOR",
    expression: `action == 0 && productionId == ${productionId}`,
  };
  return compileRule({ id: `product-${productionId}`, pattern });
}

/** One run over `events` of an operator running `rules`, timed, on fresh state. */
function runRules(rules: readonly PatternDefinition[], events: readonly ClickEvent[]): Timed {
  const operator = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  rules.forEach((rule, i) => operator.setRule({ id: String(i + 1), version: 1 }, rule));
  let matches = 0;
  const start = performance.now();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    matches += operator.processElement(keyOf(e), e, e.eventTime).matches.length;
  }
  return { seconds: (performance.now() - start) / 1000, matches };
}

function main(): void {
  const rule1 = [compileRule({ id: "1", pattern: RULE_1_PATTERN })];
  const products = Array.from({ length: RULES }, (_, i) => productRule(i + 1));
  const events = generateEvents(EVENTS, STREAM);
  const contenders: Contender[] = [
    { label: "one rule", run: (e) => runRules(rule1, e) },
    { label: "product rules", run: (e) => runRules(products, e) },
  ];
  race(events, contenders);
  const one = contenders[0]!.fastest!;
  const many = contenders[1]!.fastest!;
  if (one.matches !== many.matches) {
    throw new Error(`Match counts differ: one rule ${one.matches}, product rules ${many.matches}`);
  }
  const oneRate = EVENTS / one.seconds;
  const manyRate = EVENTS / many.seconds;
  print("events", EVENTS);
  print("keys", STREAM.keys);
  print("product_rules", RULES);
  print("one_rule_events_per_s", Math.round(oneRate));
  print("product_rules_events_per_s", Math.round(manyRate));
  print("product_rules_vs_one_rule", (manyRate / oneRate).toFixed(2));
  print("one_rule_matches", one.matches);
  print("product_rules_matches", many.matches);
}

main();
