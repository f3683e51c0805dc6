/**
 * Checks, before anything is timed, that the hand-written matcher counts exactly what the engine
 * counts for Rule 1: named edge cases with known answers, then random short sequences.
 *
 * @module
 */

import { KeyedOperator, type PatternDefinition } from "../engine/mod.ts";
import { type ClickEvent, keyOf, mulberry32 } from "./_events.ts";
import { HandwrittenRule1 } from "./_handwritten.ts";

/** Action sequences of one key and the number of matches Rule 1 must give. */
const CASES: readonly (readonly [string, readonly number[], number])[] = [
  ["quick start: four views", [0, 0, 0, 0], 1],
  ["three views are not enough", [0, 0, 0], 0],
  ["a purchase is not an end", [0, 0, 0, 1], 0],
  ["an end after purchases", [0, 0, 0, 1, 1, 2], 1],
  ["action 2 ends", [0, 0, 0, 2], 1],
  ["views need not be adjacent", [0, 1, 0, 2, 0, 2], 1],
  ["a purchase before three views does not reset", [0, 0, 1, 0, 0], 1],
  ["the end view starts nothing", [0, 0, 0, 0, 0, 0, 0], 1],
  ["eight views, two matches", [0, 0, 0, 0, 0, 0, 0, 0], 2],
  ["a view ends after purchases", [1, 2, 0, 0, 2, 0, 1, 1, 0], 1],
  ["no views", [1, 2, 1, 2], 0],
];

function event(action: number, i: number, id = 1): ClickEvent {
  return { id, name: "Ken", action, productionId: 1, eventTime: 1_662_022_777_000 + i * 1000 };
}

function engineCount(definition: PatternDefinition, events: readonly ClickEvent[]): number {
  const operator = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  operator.setRule({ id: "1", version: 1 }, definition);
  let n = 0;
  for (const e of events) n += operator.processElement(keyOf(e), e, e.eventTime).matches.length;
  return n;
}

function handwrittenCount(events: readonly ClickEvent[]): number {
  const matcher = new HandwrittenRule1();
  let n = 0;
  for (const e of events) if (matcher.process(keyOf(e), e.action)) n++;
  return n;
}

/**
 * Runs the named cases and `randomCases` random interleavings of three keys.
 * @param definition Rule 1, compiled
 * @returns the number of cases checked
 * @throws {Error} naming the first case where engine, hand-written matcher or expectation differ
 */
export function selfCheck(definition: PatternDefinition, randomCases = 3000): number {
  for (const [name, actions, expected] of CASES) {
    const events = actions.map((a, i) => event(a, i));
    const engine = engineCount(definition, events);
    const handwritten = handwrittenCount(events);
    if (engine !== expected || handwritten !== expected) {
      throw new Error(
        `Self-check "${name}" [${actions}]: expected ${expected}, engine ${engine}, ` +
          `hand-written ${handwritten}`,
      );
    }
  }
  const random = mulberry32(42);
  for (let c = 0; c < randomCases; c++) {
    const length = 1 + Math.floor(random() * 30);
    const events: ClickEvent[] = [];
    for (let i = 0; i < length; i++) {
      events.push(event(Math.floor(random() * 3), i, 1 + Math.floor(random() * 3)));
    }
    const engine = engineCount(definition, events);
    const handwritten = handwrittenCount(events);
    if (engine !== handwritten) {
      const trace = events.map((e) => `${e.id}:${e.action}`).join(" ");
      throw new Error(
        `Self-check random case ${c} [${trace}]: engine ${engine}, hand ${handwritten}`,
      );
    }
  }
  return CASES.length + randomCases;
}
