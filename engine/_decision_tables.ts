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

/** What the tables keep for one state, in one object: an NFA among many is seldom in cache. */
interface StateTable {
  /** The slots (in the condition values) of the leaves its decision depends on... */
  readonly slots: Int32Array;
  /** ...and its decisions by the bit mask of their values, or `null` when there are too many. */
  readonly decisions: (Decision | undefined)[] | null;
  /** The step its decision was last looked up in, and that decision. */
  decidedAt: number;
  decided: Decision | undefined;
}

/** Decisions of every state of one NFA, for the current event. */
export class DecisionTables {
  readonly #values: ConditionValues;
  /** The slot of each distinct leaf, to give back. */
  readonly #slots: readonly number[];
  /** Per state index. */
  readonly #states: readonly StateTable[];
  #event: Event | null = null;
  #step = 0;

  /**
   * @param states every state of the NFA, each at the position of its `index`
   * @param values where leaves are evaluated, maybe shared with other NFAs
   */
  constructor(states: readonly State[], values: ConditionValues) {
    const slotOf = new Map<Condition, number>();
    this.#values = values;
    this.#states = states.map((state) => {
      const slots: number[] = [];
      for (const leaf of dependenciesOf(state)) {
        let slot = slotOf.get(leaf);
        if (slot === undefined) slotOf.set(leaf, slot = values.acquire(leaf));
        slots.push(slot);
      }
      return {
        slots: Int32Array.from(slots),
        decisions: slots.length <= MAX_TABLED_LEAVES ? [] : null,
        decidedAt: -1,
        decided: undefined,
      };
    });
    this.#slots = [...slotOf.values()];
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
    const table = this.#states[state.index]!;
    // A key's runs are often in the same few states: look each up once per event.
    if (table.decidedAt === this.#step) return table.decided!;
    const decisions = table.decisions;
    let decision: Decision;
    if (decisions === null) decision = decide(state, this.#event!);
    else {
      const slots = table.slots;
      const values = this.#values;
      let mask = 0;
      for (let b = 0; b < slots.length; b++) if (values.holds(slots[b]!)) mask |= 1 << b;
      decision = decisions[mask] ??= decide(state, this.#event!);
    }
    table.decidedAt = this.#step;
    table.decided = decision;
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
