/**
 * All the state of one key: its NFA state for each rule it has state for, and nothing for the
 * others. The keyed operator finds it with one lookup per event; a key with no state for any rule
 * has none. Flink keeps a `CepOperator`'s state per key too (keyed state), one NFA state per
 * pattern processor.
 *
 * @module
 */

import type { KeyedNfa } from "./_keyed_nfa.ts";
import type { NfaState } from "./nfa_state.ts";

/**
 * The states of one key, by rule, in no particular order. Most keys have state for one rule: it
 * is kept in fields, and arrays hold only the others, so that such a key costs one small object.
 */
export class KeyState {
  /** The key; an entry freed when its key went idle may be reused for another (see reuse). */
  key: string;
  /** Where the key's events come from (a source partition), as the caller numbers them. */
  group = 0;
  /** The time of the key's latest event, for a state TTL. */
  lastSeen = -Infinity;
  /** Whether the state changed since the last checkpoint took the changed keys. */
  changed = false;
  #size = 1;
  #rule: KeyedNfa | null;
  #state: NfaState | null;
  #otherRules: KeyedNfa[] | null = null;
  #otherStates: NfaState[] | null = null;

  /**
   * @param key the key, e.g. its user and product
   * @param rule the first rule the key has state for
   * @param state the key's state for it
   */
  constructor(key: string, rule: KeyedNfa, state: NfaState) {
    this.key = key;
    this.#rule = rule;
    this.#state = state;
    rule.keys++;
  }

  /**
   * Makes an empty entry the entry of `key`, as the constructor would: an operator keeps the
   * entries of keys that went idle for keys that start, since both come and go constantly.
   */
  reuse(key: string, rule: KeyedNfa, state: NfaState): void {
    this.key = key;
    this.group = 0;
    this.lastSeen = -Infinity;
    this.changed = false;
    this.#size = 1;
    this.#rule = rule;
    this.#state = state;
    rule.keys++;
  }

  /** Number of rules with state: those at positions 0 to `size - 1`. */
  get size(): number {
    return this.#size;
  }

  /** The rule at position `i`. */
  ruleAt(i: number): KeyedNfa {
    return i === 0 ? this.#rule! : this.#otherRules![i - 1]!;
  }

  /** The key's state for the rule at position `i`. */
  stateAt(i: number): NfaState {
    return i === 0 ? this.#state! : this.#otherStates![i - 1]!;
  }

  /** The key's state for `rule`, if any. */
  stateOf(rule: KeyedNfa): NfaState | undefined {
    for (let i = 0; i < this.#size; i++) if (this.ruleAt(i) === rule) return this.stateAt(i);
    return undefined;
  }

  /** Adds the state of a rule the key had no state for. */
  add(rule: KeyedNfa, state: NfaState): void {
    if (this.#size++ === 0) {
      this.#rule = rule;
      this.#state = state;
    } else {
      (this.#otherRules ??= []).push(rule);
      (this.#otherStates ??= []).push(state);
    }
    rule.keys++;
  }

  /** Drops the key's state for `rule`, if any; the last rule takes its position. */
  remove(rule: KeyedNfa): void {
    let i = 0;
    while (i < this.#size && this.ruleAt(i) !== rule) i++;
    if (i === this.#size) return;
    rule.keys--;
    const last = --this.#size;
    if (last === 0) {
      this.#rule = null;
      this.#state = null;
      return;
    }
    const lastRule = this.#otherRules!.pop()!;
    const lastState = this.#otherStates!.pop()!;
    if (i === last) return;
    if (i === 0) {
      this.#rule = lastRule;
      this.#state = lastState;
    } else {
      this.#otherRules![i - 1] = lastRule;
      this.#otherStates![i - 1] = lastState;
    }
  }
}
