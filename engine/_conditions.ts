/**
 * Condition combinators used by the compiler. Flink: `RichAndCondition`, `RichNotCondition`.
 * Conditions here are pure functions of the event, so rewrites that keep the truth value (such as
 * dropping an `&& true`) are safe and save a call per event.
 *
 * @module
 */

import { type Condition, TRUE_CONDITION } from "./pattern.ts";

const FALSE_CONDITION: Condition = () => false;

/** Logical and of two conditions. */
export function and(left: Condition, right: Condition): Condition {
  if (left === TRUE_CONDITION) return right;
  if (right === TRUE_CONDITION) return left;
  return (event) => left(event) && right(event);
}

/** Logical not of a condition. */
export function not(condition: Condition): Condition {
  if (condition === TRUE_CONDITION) return FALSE_CONDITION;
  if (condition === FALSE_CONDITION) return TRUE_CONDITION;
  return (event) => !condition(event);
}
