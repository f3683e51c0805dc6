/**
 * Runs several rules over a keyed stream: one NFA state per key and rule, event-time buffering
 * with late-event dropping, and processing time. Flink: `CepOperator` as driven by
 * `CEP.dynamicPatterns` (one operator, many pattern processors).
 *
 * State is key-major: each key that has state has one {@link KeyState} holding its state for
 * each rule. An event visits the rules its key has state for and the rules it may start, found by
 * the start index (`_start_index.ts`) rather than by trying every rule; the rules' conditions are
 * evaluated once per event however many rules share them (`_condition_values.ts`). Rules are
 * visited in the order they were first set, as Flink's operator visits its pattern processors,
 * so an event's matches come in that order.
 *
 * @module
 */

import { MinHeap } from "./_min_heap.ts";
import { ConditionValues } from "./_condition_values.ts";
import { KeyState } from "./_key_state.ts";
import { KeyedNfa, type RuleRef } from "./_keyed_nfa.ts";
import { StartIndex } from "./_start_index.ts";
import type { Match, NfaState, RunEvent } from "./nfa_state.ts";
import type { Event, PatternDefinition } from "./pattern.ts";

export type { RuleRef } from "./_keyed_nfa.ts";

/** Flink: `TimeBehaviour`. */
export type TimeBehaviour = "EventTime" | "ProcessingTime";

/** A completed match of one rule for one key. */
export interface RuleMatch {
  readonly rule: RuleRef;
  readonly key: string;
  readonly match: Match;
}

/** A partial match that a window expired, and when. */
export interface RuleTimeout extends RuleMatch {
  readonly timestamp: number;
}

/** What one call produced. */
export interface OperatorOutput {
  readonly matches: RuleMatch[];
  readonly timedOut: RuleTimeout[];
  /** Events dropped because their timestamp was not above the watermark. */
  readonly late: number;
}

/** A {@link RunEvent} with the rule and key it happened in. */
export type OperatorRunEvent = RunEvent & { readonly rule: RuleRef; readonly key: string };

/** Options for {@link KeyedOperator}. */
export interface KeyedOperatorOptions {
  readonly timeBehaviour: TimeBehaviour;
  /** Receives what happens to every run (for `backtest --explain`); off by default. */
  readonly listener?: (event: OperatorRunEvent) => void;
}

interface Buffered {
  readonly key: string;
  readonly event: Event;
  readonly timestamp: number;
  readonly sequence: number;
}

/** As many as `KeyedNfa` keeps free states, for the same reason. */
const MAX_FREE_ENTRIES = 1024;

/** The output of most calls: shared, so it must never be written to. */
const NOTHING: OperatorOutput = Object.freeze({
  matches: Object.freeze([]) as unknown as RuleMatch[],
  timedOut: Object.freeze([]) as unknown as RuleTimeout[],
  late: 0,
});

/** Runs rules over keyed events. Synchronous and pure: time only moves when told. */
export class KeyedOperator {
  readonly #timeBehaviour: TimeBehaviour;
  readonly #listener: ((event: OperatorRunEvent) => void) | undefined;
  /** The rules by id, in their order (a replaced rule keeps its place, as in a Map). */
  readonly #rules = new Map<string, KeyedNfa>();
  #nextOrder = 0;
  /** Every key's state: keys without state for any rule have no entry. */
  readonly #keys = new Map<string, KeyState>();
  /** During an event: its key's entry, kept up to date as rules start and go idle. */
  #entry: KeyState | undefined;
  /** Entries of keys that went idle: see `KeyState#reuse`. */
  readonly #freeEntries: KeyState[] = [];
  readonly #conditionValues = new ConditionValues();
  readonly #freeStates: NfaState[] = [];
  /** Built from `#rules` when an event first needs it after a rule change. */
  #index: StartIndex<KeyedNfa> | null = null;
  /** The rules an event visits, and a number marking each visit. */
  readonly #visited: KeyedNfa[] = [];
  #stamp = 0;
  readonly #buffer = new MinHeap<Buffered>((a, b) =>
    a.timestamp - b.timestamp || a.sequence - b.sequence
  );
  /** Sequences of buffered events in arrival order, so the oldest is the first. */
  readonly #bufferedSequences = new Set<number>();
  #watermark = -Infinity;
  #nextSequence = 0;

  /** @param options event time or processing time */
  constructor(options: KeyedOperatorOptions) {
    this.#timeBehaviour = options.timeBehaviour;
    this.#listener = options.listener;
  }

  /** The current event-time watermark. */
  get watermark(): number {
    return this.#watermark;
  }

  /** The sequence the next `processElement` call will assign (they count from 0). */
  get nextSequence(): number {
    return this.#nextSequence;
  }

  /** Number of events waiting for the watermark. */
  get bufferedEvents(): number {
    return this.#buffer.size;
  }

  /** The rules that run, with their versions. */
  get rules(): RuleRef[] {
    return [...this.#rules.values()].map((r) => r.rule);
  }

  /**
   * Starts a rule with fresh state, replacing any rule with the same id.
   * @throws {MalformedPatternError} if the pattern does not compile
   */
  setRule(rule: RuleRef, definition: PatternDefinition): void {
    const replaced = this.#rules.get(rule.id);
    const listener = this.#listener;
    const compiled = new KeyedNfa(rule, definition, {
      order: replaced?.order ?? this.#nextOrder++,
      conditionValues: this.#conditionValues,
      freeStates: this.#freeStates,
      listener: listener === undefined
        ? undefined
        : (event: RunEvent, key: string) => listener({ ...event, rule, key }),
    });
    if (replaced !== undefined) this.#drop(replaced);
    this.#rules.set(rule.id, compiled);
    this.#index = null;
  }

  /** Stops a rule and frees its state. */
  removeRule(id: string): void {
    const removed = this.#rules.get(id);
    if (removed === undefined) return;
    this.#drop(removed);
    this.#rules.delete(id);
    this.#index = null;
  }

  /** Frees every key's state for a rule that stops, and what the rule holds. */
  #drop(rule: KeyedNfa): void {
    if (rule.keys > 0) {
      for (const entry of this.#keys.values()) {
        this.#forget(entry, rule);
      }
    }
    rule.nfa.release();
    // The visit list holds rules from past events; let the stopped one go.
    this.#visited.length = 0;
  }

  /**
   * Offers one event to every rule. In event time it waits for the watermark (or is dropped as
   * late); in processing time `timestamp` is the arrival time and it is matched at once.
   * @param key the event's key, e.g. its user and product
   * @param event the event's fields
   * @param timestamp event time, or arrival time in processing time
   */
  processElement(key: string, event: Event, timestamp: number): OperatorOutput {
    const sequence = this.#nextSequence++;
    if (this.#timeBehaviour === "EventTime") {
      if (timestamp <= this.#watermark) return { matches: [], timedOut: [], late: 1 };
      this.#buffer.push({ key, event, timestamp, sequence });
      this.#bufferedSequences.add(sequence);
      return NOTHING;
    }
    return this.#feed(key, event, timestamp, sequence, null);
  }

  /**
   * Event time: releases buffered events up to `watermark` in timestamp order, then expires
   * windows. Flink: `CepOperator#onEventTime`.
   */
  advanceWatermark(watermark: number): OperatorOutput {
    const out: OperatorOutput = { matches: [], timedOut: [], late: 0 };
    if (watermark <= this.#watermark) return out;
    this.#watermark = watermark;
    for (
      let next = this.#buffer.peek();
      next !== undefined && next.timestamp <= watermark;
      next = this.#buffer.peek()
    ) {
      this.#buffer.pop();
      this.#bufferedSequences.delete(next.sequence);
      this.#feed(next.key, next.event, next.timestamp, next.sequence, out);
    }
    this.#expire(watermark, out);
    return out;
  }

  /** Processing time: expires windows up to `now` even when no event arrives. */
  advanceProcessingTime(now: number): OperatorOutput {
    const out: OperatorOutput = { matches: [], timedOut: [], late: 0 };
    this.#expire(now, out);
    return out;
  }

  /** Number of runs that have taken an event, per rule id. */
  partialMatchCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const id of this.#rules.keys()) counts.set(id, 0);
    for (const entry of this.#keys.values()) {
      for (let i = 0; i < entry.size; i++) {
        const id = entry.ruleAt(i).rule.id;
        counts.set(id, counts.get(id)! + entry.stateAt(i).livePartialMatches);
      }
    }
    return counts;
  }

  /**
   * The sequence of the oldest event some rule or the event-time buffer still needs, or
   * `nextSequence` when none: input before it can be forgotten (its offset committed).
   */
  oldestLiveSequence(): number {
    let oldest = this.#nextSequence;
    for (const sequence of this.#bufferedSequences) {
      oldest = Math.min(oldest, sequence);
      break;
    }
    for (const entry of this.#keys.values()) {
      for (let i = 0; i < entry.size; i++) {
        const sequence = entry.stateAt(i).oldestSequence;
        if (sequence < oldest) oldest = sequence;
      }
    }
    return oldest;
  }

  /**
   * Feeds one event to the rules its key has state for and the rules it may start, in the rules'
   * order; allocates an output only when there is something in it.
   */
  #feed(
    key: string,
    event: Event,
    timestamp: number,
    sequence: number,
    into: OperatorOutput | null,
  ): OperatorOutput {
    const entry = this.#entry = this.#keys.get(key);
    const index = this.#index ??= new StartIndex([...this.#rules.values()]);
    let out = into;
    if (index.all !== null) {
      // Few rules: trying each is as fast as finding them (see StartIndex#all).
      const rules = index.all;
      for (let r = 0; r < rules.length; r++) {
        const rule = rules[r]!;
        const current = this.#entry;
        const state = current === undefined ? undefined : current.stateOf(rule);
        out = this.#visit(rule, state, key, event, timestamp, sequence, out);
      }
      return out ?? NOTHING;
    }
    const visited = this.#visited;
    const stamp = ++this.#stamp;
    let n = 0;
    if (entry !== undefined) {
      for (let i = 0; i < entry.size; i++) {
        const rule = entry.ruleAt(i);
        rule.stamp = stamp;
        rule.current = entry.stateAt(i);
        visited[n++] = rule;
      }
    }
    n = index.collect(event, visited, n, stamp);
    if (n > 1) sortByOrder(visited, n);
    for (let r = 0; r < n; r++) {
      const rule = visited[r]!;
      const state = rule.current;
      rule.current = undefined;
      out = this.#visit(rule, state, key, event, timestamp, sequence, out);
    }
    return out ?? NOTHING;
  }

  /** Feeds one event to one rule, given the key's state for it. */
  #visit(
    rule: KeyedNfa,
    current: NfaState | undefined,
    key: string,
    event: Event,
    timestamp: number,
    sequence: number,
    into: OperatorOutput | null,
  ): OperatorOutput | null {
    let state = current;
    if (state === undefined) {
      // Most events open nothing for a key without runs: keep no state for them.
      if (!rule.nfa.wouldStart(event)) return into;
      state = rule.createState();
    }
    let out = into;
    rule.currentKey = key;
    const advanced = rule.nfa.advanceTime(state, timestamp);
    if (advanced.matches.length > 0 || advanced.timedOut.length > 0) {
      out ??= { matches: [], timedOut: [], late: 0 };
      collect(rule, key, advanced.matches, advanced.timedOut, out);
    }
    const matches = rule.nfa.process(state, event, timestamp, sequence);
    if (matches.length > 0) {
      out ??= { matches: [], timedOut: [], late: 0 };
      collect(rule, key, matches, [], out);
    }
    if (state.idle) {
      if (current !== undefined && this.#forget(this.#entry!, rule)) this.#entry = undefined;
      rule.recycle(state);
      return out;
    }
    if (current === undefined) {
      const entry = this.#entry;
      if (entry === undefined) this.#keys.set(key, this.#entry = this.#newEntry(key, rule, state));
      else entry.add(rule, state);
    }
    rule.schedule(key, state);
    return out;
  }

  #newEntry(key: string, rule: KeyedNfa, state: NfaState): KeyState {
    const entry = this.#freeEntries.pop();
    if (entry === undefined) return new KeyState(key, rule, state);
    entry.reuse(key, rule, state);
    return entry;
  }

  /**
   * Drops a key's state for a rule, and the key's entry with its last state.
   * @returns whether the entry went
   */
  #forget(entry: KeyState, rule: KeyedNfa): boolean {
    entry.remove(rule);
    if (entry.size > 0) return false;
    this.#keys.delete(entry.key);
    if (this.#freeEntries.length < MAX_FREE_ENTRIES) this.#freeEntries.push(entry);
    return true;
  }

  #expire(now: number, out: OperatorOutput): void {
    for (const rule of this.#rules.values()) {
      for (
        let due = rule.deadlines.peek();
        due !== undefined && due.at <= now;
        due = rule.deadlines.peek()
      ) {
        rule.deadlines.pop();
        const entry = this.#keys.get(due.key);
        const state = entry?.stateOf(rule);
        // Entries are not removed when a key moves on, so skip the stale ones.
        if (state === undefined || rule.nfa.nextDeadline(state) !== due.at) continue;
        rule.currentKey = due.key;
        const advanced = rule.nfa.advanceTime(state, now);
        collect(rule, due.key, advanced.matches, advanced.timedOut, out);
        if (state.idle) {
          this.#forget(entry!, rule);
          rule.recycle(state);
        } else rule.schedule(due.key, state);
      }
    }
  }
}

/** Sorts the first `n` rules by their order: few, and mostly sorted already. */
function sortByOrder(rules: KeyedNfa[], n: number): void {
  if (n > 32) {
    const sorted = rules.slice(0, n).sort((a, b) => a.order - b.order);
    for (let i = 0; i < n; i++) rules[i] = sorted[i]!;
    return;
  }
  for (let i = 1; i < n; i++) {
    const rule = rules[i]!;
    let j = i - 1;
    for (; j >= 0 && rules[j]!.order > rule.order; j--) rules[j + 1] = rules[j]!;
    rules[j + 1] = rule;
  }
}

function collect(
  rule: KeyedNfa,
  key: string,
  matches: readonly Match[],
  timedOut: readonly { match: Match; timestamp: number }[],
  out: OperatorOutput,
): void {
  for (const match of matches) out.matches.push({ rule: rule.rule, key, match });
  for (const t of timedOut) {
    out.timedOut.push({ rule: rule.rule, key, match: t.match, timestamp: t.timestamp });
  }
}
