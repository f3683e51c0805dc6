/**
 * States and transitions of a compiled NFA. Flink: `nfa/State.java`, `nfa/StateTransition.java`.
 *
 * @module
 */

import type { Condition } from "./pattern.ts";

/** Flink: `StateTransitionAction`. */
export type StateTransitionAction = "TAKE" | "IGNORE" | "PROCEED";

/** Flink: `State.StateType`. `Pending` ends a pattern that ends in notFollowedBy with a window. */
export type StateType = "Start" | "Final" | "Normal" | "Stop" | "Pending";

/** Flink: `StateTransition`. A `null` condition is always true. */
export interface StateTransition {
  readonly action: StateTransitionAction;
  readonly source: State;
  readonly target: State;
  condition: Condition | null;
}

/** Flink: `State`. Transitions keep insertion order, which decides the Dewey numbering. */
export class State {
  readonly name: string;
  /** Position in the compiled NFA's list of states, for per-state tables. */
  readonly index: number;
  /** The pattern name without the `:n` suffix, as events are filed under it in matches. */
  readonly page: string;
  #type: StateType;
  // The kind again as flags, which every run reads on every event.
  #isStart = false;
  #isFinal = false;
  #isStop = false;
  #isPending = false;
  readonly transitions: StateTransition[] = [];

  /**
   * @param name unique internal name such as `start` or `start:2`
   * @param type the kind of state
   * @param index position in the compiled NFA's list of states
   */
  constructor(name: string, type: StateType, index: number) {
    this.name = name;
    this.index = index;
    // Flink: NFAStateNameHandler#getOriginalNameFromInternal.
    const delim = name.indexOf(":");
    this.page = delim < 0 ? name : name.slice(0, delim);
    this.#type = type;
    this.#setFlags();
  }

  #setFlags(): void {
    this.#isStart = this.#type === "Start";
    this.#isFinal = this.#type === "Final";
    this.#isStop = this.#type === "Stop";
    this.#isPending = this.#type === "Pending";
  }

  /** The kind of state. */
  get type(): StateType {
    return this.#type;
  }
  /** Whether this is the start state. */
  get isStart(): boolean {
    return this.#isStart;
  }
  /** Whether reaching this state completes a match. */
  get isFinal(): boolean {
    return this.#isFinal;
  }
  /** Whether reaching this state discards the run (a NOT pattern matched). */
  get isStop(): boolean {
    return this.#isStop;
  }
  /** Whether the run completes only when its window expires. */
  get isPending(): boolean {
    return this.#isPending;
  }

  /** Turns this state into the start state. */
  makeStart(): void {
    this.#type = "Start";
    this.#setFlags();
  }

  /**
   * Adds a transition.
   * @param action what the transition does with the event
   * @param target where it leads
   * @param condition when it applies (`null`: always)
   */
  addStateTransition(action: StateTransitionAction, target: State, condition: Condition | null) {
    this.transitions.push({ action, source: this, target, condition });
  }

  /** Adds a TAKE to `target`, or to this state when `target` is omitted. */
  addTake(condition: Condition | null, target: State = this): void {
    this.addStateTransition("TAKE", target, condition);
  }

  /** Adds an IGNORE to `target`, or to this state when `target` is omitted. */
  addIgnore(condition: Condition | null, target: State = this): void {
    this.addStateTransition("IGNORE", target, condition);
  }

  /** Adds a PROCEED (an epsilon move evaluated on the current event) to `target`. */
  addProceed(target: State, condition: Condition | null): void {
    this.addStateTransition("PROCEED", target, condition);
  }
}
