/**
 * One rule as the keyed operator runs it: its compiled NFA, where it comes in the order of rules,
 * and what it needs across keys (window deadlines). The keys' states
 * themselves live in their `KeyState`.
 *
 * @module
 */

import { MinHeap } from "./_min_heap.ts";
import type { ConditionValues } from "./_condition_values.ts";
import { Nfa } from "./nfa.ts";
import type { NfaState, RunEvent } from "./nfa_state.ts";
import { compileNfa } from "./nfa_compiler.ts";
import type { FieldEquality, PatternDefinition } from "./pattern.ts";
import { type IndexedRule, startEqualities } from "./_start_index.ts";

/** A rule's identity, as the rule table names it. */
export interface RuleRef {
  readonly id: string;
  readonly version: number;
}

/** A window deadline of one key. */
export interface Deadline {
  readonly at: number;
  readonly key: string;
}

/** Options for {@link KeyedNfa}. */
export interface KeyedNfaOptions {
  /** The rule's place among the operator's rules: matches of one event come in this order. */
  readonly order: number;
  /** Shared with the operator's other rules. */
  readonly conditionValues: ConditionValues;
  /**
   * States of keys that went idle, for keys that start: keys come and go constantly. Shared with
   * the operator's other rules, so that the state a key gets was freed recently, and is in cache.
   */
  readonly freeStates: NfaState[];
  /** Receives what happens to runs, with the key they happened in. */
  readonly listener?: ((event: RunEvent, key: string) => void) | undefined;
}

/** Enough to absorb the churn of keys between matches without holding memory after a burst. */
const MAX_FREE_STATES = 1024;

/** The per-rule part of the keyed operator. */
export class KeyedNfa implements IndexedRule {
  readonly rule: RuleRef;
  readonly nfa: Nfa;
  readonly order: number;
  readonly startEqualities: readonly FieldEquality[];
  stamp = 0;
  /** During an event's visit: the key's state for this rule, if it has one. */
  current: NfaState | undefined = undefined;
  /** Number of keys that have state for this rule. */
  keys = 0;
  /** Keys that have a run a window can expire, by the earliest such time (lazily updated). */
  readonly deadlines = new MinHeap<Deadline>((a, b) => a.at - b.at);
  /** The key being processed, so run events can name it. */
  currentKey = "";
  readonly #freeStates: NfaState[];

  /**
   * @param rule the rule's id and version
   * @param definition its pattern
   * @param options its order, the shared condition values and a listener
   * @throws {MalformedPatternError} if the pattern does not compile
   */
  constructor(rule: RuleRef, definition: PatternDefinition, options: KeyedNfaOptions) {
    this.rule = rule;
    this.order = options.order;
    this.#freeStates = options.freeStates;
    const compiled = compileNfa(definition);
    this.startEqualities = startEqualities(compiled.states.values());
    this.nfa = new Nfa(compiled, definition.afterMatchSkipStrategy, {
      conditionValues: options.conditionValues,
    });
    const listener = options.listener;
    if (listener !== undefined) this.nfa.listener = (e) => listener(e, this.currentKey);
  }

  /** A fresh state for a key that has none. */
  createState(): NfaState {
    const state = this.#freeStates.pop();
    if (state === undefined) return this.nfa.createInitialNfaState();
    this.nfa.resetIdleNfaState(state);
    return state;
  }

  /** Takes back the state of a key that no longer needs it (see {@link NfaState.idle}). */
  recycle(state: NfaState): void {
    if (this.#freeStates.length < MAX_FREE_STATES) this.#freeStates.push(state);
  }

  /** Schedules the next window expiry of a key's state. */
  schedule(key: string, state: NfaState): void {
    if (!this.nfa.hasWindows) return;
    const at = this.nfa.nextDeadline(state);
    if (at !== Infinity) this.deadlines.push({ at, key });
  }
}
