/**
 * What each state of an NFA does with an event, remembered by the values of the conditions it
 * depends on. Flink: `NFA#createDecisionGraph` and `NFA#findFinalStateAfterProceed`, which Flink
 * computes for every run on every event.
 *
 * Both only follow the transitions whose conditions hold, and every transition condition is a
 * combination (`_conditions.ts`) of the rule's own conditions, which see only the event. So what a
 * state does is a function of the truth values of the few leaf conditions it can reach: each
 * state keeps a table indexed by those values, and an event evaluates each leaf at most once,
 * however many runs and states ask. Conditions must therefore be pure and total, as rule
 * conditions are: a leaf may be evaluated where Flink's `&&` would have stopped short.
 *
 * @module
 */

import { addLeaves } from "./_conditions.ts";
import type { ConditionValues } from "./_condition_values.ts";
import type { Condition, Event } from "./pattern.ts";
import type { State, StateTransition } from "./state.ts";

/** What a state does with an event. */
export interface Decision {
  /** Flink: the decision graph, the TAKE and IGNORE edges that apply, in Flink's order. */
  readonly edges: readonly StateTransition[];
  /**
   * For each TAKE edge, the final state its target reaches by PROCEED on the same event, which
   * completes a match (Flink: `findFinalStateAfterProceed`); `null` for others.
   */
  readonly finals: readonly (State | null)[];
  /** Whether some edge takes the event. */
  readonly takes: boolean;
  /** Whether some edge leads to a stop state, which discards the run. */
  readonly stops: boolean;
}

/** Beyond this many leaves a state is decided afresh on every use, as Flink does. */
const MAX_TABLED_LEAVES = 16;

/** Decisions of every state of one NFA, for the current event. */
export class DecisionTables {
  /** The slot of each leaf in `#values`. */
  readonly #slots: Int32Array;
  readonly #values: ConditionValues;
  /** Per state index: the leaves (indices into `#slots`) its decision depends on... */
  readonly #dependencies: readonly (readonly number[])[];
  /** ...and its decisions by the bit mask of their values, or `null` when there are too many. */
  readonly #tables: ((Decision | undefined)[] | null)[];
  /** Per state index: the step its decision was last looked up in, and that decision. */
  readonly #decidedAt: Float64Array;
  readonly #decided: (Decision | undefined)[];
  #event: Event | null = null;
  #step = 0;

  /**
   * @param states every state of the NFA, each at the position of its `index`
   * @param values where leaves are evaluated, maybe shared with other NFAs
   */
  constructor(states: readonly State[], values: ConditionValues) {
    const leafIndex = new Map<Condition, number>();
    this.#dependencies = states.map((state) => {
      const indices: number[] = [];
      for (const leaf of dependenciesOf(state)) {
        let i = leafIndex.get(leaf);
        if (i === undefined) leafIndex.set(leaf, i = leafIndex.size);
        indices.push(i);
      }
      return indices;
    });
    this.#values = values;
    this.#slots = Int32Array.from(leafIndex.keys(), (leaf) => values.acquire(leaf));
    this.#tables = this.#dependencies.map((d) => (d.length <= MAX_TABLED_LEAVES ? [] : null));
    this.#decidedAt = new Float64Array(states.length).fill(-1);
    this.#decided = states.map(() => undefined);
  }

  /** Makes `event` the current event, unless it already is (events never change). */
  use(event: Event): void {
    this.#values.use(event);
    if (event === this.#event) return;
    this.#event = event;
    this.#step++;
  }

  /** Gives the leaves' slots back: the NFA is no longer used. */
  release(): void {
    for (const slot of this.#slots) this.#values.release(slot);
  }

  /** What `state` does with the current event. */
  of(state: State): Decision {
    const i = state.index;
    // A key's runs are often in the same few states: look each up once per event.
    if (this.#decidedAt[i] === this.#step) return this.#decided[i]!;
    const table = this.#tables[i]!;
    let decision: Decision;
    if (table === null) decision = decide(state, this.#event!);
    else {
      const leaves = this.#dependencies[i]!;
      let mask = 0;
      const values = this.#values;
      const slots = this.#slots;
      for (let b = 0; b < leaves.length; b++) if (values.holds(slots[leaves[b]!]!)) mask |= 1 << b;
      decision = table[mask] ??= decide(state, this.#event!);
    }
    this.#decidedAt[i] = this.#step;
    this.#decided[i] = decision;
    return decision;
  }
}

function holds(transition: StateTransition, event: Event): boolean {
  return transition.condition === null || transition.condition(event);
}

function decide(state: State, event: Event): Decision {
  // Flink: createDecisionGraph, whose stack order decides the order of the edges.
  const edges: StateTransition[] = [];
  const stack = [state];
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const t of current.transitions) {
      if (!holds(t, event)) continue;
      if (t.action === "PROCEED") stack.push(t.target);
      else edges.push(t);
    }
  }
  const finals = edges.map((e) =>
    e.action === "TAKE" ? finalStateAfterProceed(e.target, event) : null
  );
  return {
    edges,
    finals,
    takes: edges.some((e) => e.action === "TAKE"),
    stops: edges.some((e) => e.target.isStop),
  };
}

/** Flink: `findFinalStateAfterProceed`. */
function finalStateAfterProceed(state: State, event: Event): State | null {
  const stack = [state];
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const t of current.transitions) {
      if (t.action !== "PROCEED" || !holds(t, event)) continue;
      if (t.target.isFinal) return t.target;
      stack.push(t.target);
    }
  }
  return null;
}

/** The leaf conditions that {@link decide} can evaluate for `state`. */
function dependenciesOf(state: State): Set<Condition> {
  const leaves = new Set<Condition>();
  for (const current of proceedClosure(state)) {
    for (const t of current.transitions) {
      if (t.condition !== null) addLeaves(t.condition, leaves);
      if (t.action !== "TAKE") continue;
      for (const next of proceedClosure(t.target)) {
        for (const u of next.transitions) {
          if (u.action === "PROCEED" && u.condition !== null) addLeaves(u.condition, leaves);
        }
      }
    }
  }
  return leaves;
}

/** `state` and every state reachable from it by PROCEED edges, whatever their conditions. */
export function proceedClosure(state: State): Set<State> {
  const reached = new Set([state]);
  for (const current of reached) {
    for (const t of current.transitions) if (t.action === "PROCEED") reached.add(t.target);
  }
  return reached;
}
