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

import { type Condition, type FieldEquality, TRUE_CONDITION } from "./pattern.ts";

const FALSE_CONDITION: Condition = () => false;

/** How each condition built here was built; any other condition is a leaf. */
const BUILT = new WeakMap<Condition, { kind: "and" | "not"; parts: readonly Condition[] }>();

/** Logical and of two conditions. */
export function and(left: Condition, right: Condition): Condition {
  if (left === TRUE_CONDITION) return right;
  if (right === TRUE_CONDITION) return left;
  const both: Condition = (event) => left(event) && right(event);
  BUILT.set(both, { kind: "and", parts: [left, right] });
  return both;
}

/** Logical not of a condition. */
export function not(condition: Condition): Condition {
  if (condition === TRUE_CONDITION) return FALSE_CONDITION;
  if (condition === FALSE_CONDITION) return TRUE_CONDITION;
  const negated: Condition = (event) => !condition(event);
  BUILT.set(negated, { kind: "not", parts: [condition] });
  return negated;
}

/**
 * Adds to `into` the conditions `condition` is built from that did not come from {@link and} or
 * {@link not}: its value is a function of theirs. Constants add nothing.
 */
export function addLeaves(condition: Condition, into: Set<Condition>): void {
  if (condition === TRUE_CONDITION || condition === FALSE_CONDITION) return;
  const built = BUILT.get(condition);
  if (built === undefined) into.add(condition);
  else for (const part of built.parts) addLeaves(part, into);
}

/**
 * Equality tests that hold whenever `condition` does: those its leaves declare, through {@link and}
 * only (a negation guarantees none).
 */
export function requiredEqualities(condition: Condition): readonly FieldEquality[] {
  const built = BUILT.get(condition);
  if (built === undefined) return condition.equalities ?? [];
  if (built.kind === "not") return [];
  return built.parts.flatMap(requiredEqualities);
}
