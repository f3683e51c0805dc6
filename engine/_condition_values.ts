/**
 * The truth values of conditions for the current event, shared by every NFA of an operator, so
 * that a condition that many rules use (`action == 0` in a thousand rules) is evaluated once per
 * event. Conditions are the same when they are the same function or carry the same signature
 * (`Condition#signature`); either way they give the same answer for an event, since conditions
 * are pure.
 *
 * @module
 */

import type { Condition, Event } from "./pattern.ts";

/** Conditions by slot, each evaluated at most once per event. */
export class ConditionValues {
  readonly #bySignature = new Map<string, number>();
  readonly #byFunction = new Map<Condition, number>();
  readonly #conditions: (Condition | null)[] = [];
  /** NFAs using each slot; a slot nobody uses goes to `#free`. */
  readonly #users: number[] = [];
  readonly #free: number[] = [];
  /** The step each slot was last evaluated in, and its value then (1 true, 0 false). */
  #evaluatedAt = new Float64Array(16);
  #values = new Uint8Array(16);
  #event: Event | null = null;
  #step = 0;

  /**
   * The slot of `condition`, shared with every equal condition already acquired.
   * @returns the slot, for {@link holds}; give it back with {@link release}
   */
  acquire(condition: Condition): number {
    const signature = condition.signature;
    let slot = signature === undefined
      ? this.#byFunction.get(condition)
      : this.#bySignature.get(signature);
    if (slot !== undefined) {
      this.#users[slot]!++;
      return slot;
    }
    slot = this.#free.pop() ?? this.#conditions.length;
    if (slot >= this.#evaluatedAt.length) this.#grow();
    this.#conditions[slot] = condition;
    this.#users[slot] = 1;
    this.#evaluatedAt[slot] = -1;
    if (signature === undefined) this.#byFunction.set(condition, slot);
    else this.#bySignature.set(signature, slot);
    return slot;
  }

  /** Gives back a slot from {@link acquire}; the last user frees it for another condition. */
  release(slot: number): void {
    if (--this.#users[slot]! > 0) return;
    const condition = this.#conditions[slot]!;
    const signature = condition.signature;
    if (signature === undefined) this.#byFunction.delete(condition);
    else this.#bySignature.delete(signature);
    this.#conditions[slot] = null;
    this.#free.push(slot);
  }

  /** Makes `event` the current event, unless it already is (events never change). */
  use(event: Event): void {
    if (event === this.#event) return;
    this.#event = event;
    this.#step++;
  }

  /** The value of the condition in `slot` for the current event. */
  holds(slot: number): boolean {
    if (this.#evaluatedAt[slot] !== this.#step) {
      this.#evaluatedAt[slot] = this.#step;
      this.#values[slot] = this.#conditions[slot]!(this.#event!) ? 1 : 0;
    }
    return this.#values[slot] === 1;
  }

  #grow(): void {
    const evaluatedAt = new Float64Array(this.#evaluatedAt.length * 2);
    evaluatedAt.set(this.#evaluatedAt);
    const values = new Uint8Array(this.#values.length * 2);
    values.set(this.#values);
    this.#evaluatedAt = evaluatedAt;
    this.#values = values;
  }
}
