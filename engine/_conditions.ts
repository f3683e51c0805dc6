/**
 * Condition combinators used by the compiler. Flink: `RichAndCondition`, `RichNotCondition`.
 * Conditions here are pure functions of the event, so rewrites that keep the truth value (such as
 * dropping an `&& true`) are safe and save a call per event.
 *
 * Each combined condition remembers what it was made of, so that the NFA can see which of the
 * rule's own conditions (the leaves) a transition depends on: see `_decision_tables.ts`.
 *
 * @module
 */

import { type Condition, TRUE_CONDITION } from "./pattern.ts";

const FALSE_CONDITION: Condition = () => false;

/** The parts of each condition built here; any other condition is a leaf. */
const PARTS = new WeakMap<Condition, readonly Condition[]>();

/** Logical and of two conditions. */
export function and(left: Condition, right: Condition): Condition {
  if (left === TRUE_CONDITION) return right;
  if (right === TRUE_CONDITION) return left;
  const both: Condition = (event) => left(event) && right(event);
  PARTS.set(both, [left, right]);
  return both;
}

/** Logical not of a condition. */
export function not(condition: Condition): Condition {
  if (condition === TRUE_CONDITION) return FALSE_CONDITION;
  if (condition === FALSE_CONDITION) return TRUE_CONDITION;
  const negated: Condition = (event) => !condition(event);
  PARTS.set(negated, [condition]);
  return negated;
}

/**
 * Adds to `into` the conditions `condition` is built from that did not come from {@link and} or
 * {@link not}: its value is a function of theirs. Constants add nothing.
 */
export function addLeaves(condition: Condition, into: Set<Condition>): void {
  if (condition === TRUE_CONDITION || condition === FALSE_CONDITION) return;
  const parts = PARTS.get(condition);
  if (parts === undefined) into.add(condition);
  else for (const part of parts) addLeaves(part, into);
}
