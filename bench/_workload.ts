/**
 * The benches' workload: the quick start's Rule 1 over click events spread over many keys.
 *
 * @module
 */

import { KeyedOperator, type PatternDefinition } from "../engine/mod.ts";
import { type ClickEvent, type GenerateOptions, keyOf } from "./_events.ts";
import { HandwrittenRule1 } from "./_handwritten.ts";
import { readCount, type Timed } from "./_race.ts";

/** The quick start's Rule 1 `pattern` column, verbatim from its INSERT statement. */
export const RULE_1_PATTERN =
  '{"name":"end","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["SINGLE"],"times":null,"untilCondition":null},"condition":null,"nodes":[{"name":"end","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["SINGLE"],"times":null,"untilCondition":null},"condition":{"className":"com.alibaba.ververica.cep.demo.condition.EndCondition","type":"CLASS"},"type":"ATOMIC"},{"name":"start","quantifier":{"consumingStrategy":"SKIP_TILL_NEXT","properties":["LOOPING"],"times":{"from":3,"to":3,"windowTime":null},"untilCondition":null},"condition":{"expression":"action == 0","type":"AVIATOR"},"type":"ATOMIC"}],"edges":[{"source":"start","target":"end","type":"SKIP_TILL_NEXT"}],"window":null,"afterMatchStrategy":{"type":"SKIP_PAST_LAST_EVENT","patternName":null},"type":"COMPOSITE","version":1}';

/** Events per run; `BENCH_EVENTS` for a shorter one, e.g. to profile. */
export const EVENTS = readCount("BENCH_EVENTS", 1_000_000);
/** The stream; `BENCH_KEYS` changes the number of keys. */
export const STREAM: GenerateOptions = {
  keys: readCount("BENCH_KEYS", 100_000),
  productsPerUser: 10,
  // Views dominate, so runs reach three views often; purchases keep some runs waiting.
  viewProbability: 0.7,
  seed: 20220901,
};

/** One run of the engine over `events`, timed, on fresh state. */
export function runEngine(definition: PatternDefinition, events: readonly ClickEvent[]): Timed {
  const operator = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  operator.setRule({ id: "1", version: 1 }, definition);
  let matches = 0;
  const start = performance.now();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    matches += operator.processElement(keyOf(e), e, e.eventTime).matches.length;
  }
  return { seconds: (performance.now() - start) / 1000, matches };
}

/** One run of the hand-written counter over `events`, timed, on fresh state. */
export function runHandwritten(events: readonly ClickEvent[]): Timed {
  const matcher = new HandwrittenRule1();
  let matches = 0;
  const start = performance.now();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (matcher.process(keyOf(e), e.action)) matches++;
  }
  return { seconds: (performance.now() - start) / 1000, matches };
}
