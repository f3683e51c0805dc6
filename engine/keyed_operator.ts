/**
 * Runs several rules over a keyed stream: one NFA state per key and rule, event-time buffering
 * with late-event dropping, and processing time. Flink: `CepOperator` as driven by
 * `CEP.dynamicPatterns` (one operator, many pattern processors).
 *
 * @module
 */

import { MinHeap } from "./_min_heap.ts";
import { Nfa } from "./nfa.ts";
import type { Match, NfaState, RunEvent } from "./nfa_state.ts";
import { compileNfa } from "./nfa_compiler.ts";
import type { Event, PatternDefinition } from "./pattern.ts";

/** Flink: `TimeBehaviour`. */
export type TimeBehaviour = "EventTime" | "ProcessingTime";

/** A rule's identity, as the rule table names it. */
export interface RuleRef {
  readonly id: string;
  readonly version: number;
}

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

interface Deadline {
  readonly at: number;
  readonly key: string;
}

/** Enough to absorb the churn of keys between matches without holding memory after a burst. */
const MAX_POOLED_STATES = 1024;

/** The per-rule part: the compiled NFA and every key's state. */
class KeyedNfa {
  readonly rule: RuleRef;
  readonly nfa: Nfa;
  readonly states = new Map<string, NfaState>();
  /** Keys that have a run a window can expire, by the earliest such time (lazily updated). */
  readonly deadlines = new MinHeap<Deadline>((a, b) => a.at - b.at);

  /** The key being processed, so run events can name it. */
  currentKey = "";
  /** States of keys that went idle, reset, for keys that start: keys come and go constantly. */
  readonly #pool: NfaState[] = [];

  constructor(
    rule: RuleRef,
    definition: PatternDefinition,
    listener?: (e: OperatorRunEvent) => void,
  ) {
    this.rule = rule;
    this.nfa = new Nfa(compileNfa(definition), definition.afterMatchSkipStrategy);
    if (listener !== undefined) {
      this.nfa.listener = (e) => listener({ ...e, rule, key: this.currentKey });
    }
  }

  /** State for a key that has none. */
  createState(key: string): NfaState {
    const state = this.#pool.pop() ?? this.nfa.createInitialNfaState();
    this.states.set(key, state);
    return state;
  }

  /** Frees a key whose state holds no event, and schedules its next window expiry. */
  settle(key: string, state: NfaState): void {
    if (state.idle) {
      this.states.delete(key);
      if (this.#pool.length < MAX_POOLED_STATES) {
        this.nfa.resetIdleNfaState(state);
        this.#pool.push(state);
      }
      return;
    }
    if (!this.nfa.hasWindows) return;
    const at = this.nfa.nextDeadline(state);
    if (at !== Infinity) this.deadlines.push({ at, key });
  }
}

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
  readonly #rules = new Map<string, KeyedNfa>();
  /** The values of `#rules`, for the per-event loop. */
  #ruleList: KeyedNfa[] = [];
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
    const compiled = new KeyedNfa(rule, definition, this.#listener);
    this.#rules.set(rule.id, compiled);
    this.#ruleList = [...this.#rules.values()];
  }

  /** Stops a rule and frees its state. */
  removeRule(id: string): void {
    this.#rules.delete(id);
    this.#ruleList = [...this.#rules.values()];
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
    for (const [id, rule] of this.#rules) {
      let n = 0;
      for (const state of rule.states.values()) n += state.livePartialMatches;
      counts.set(id, n);
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
    for (const rule of this.#rules.values()) {
      for (const state of rule.states.values()) {
        const sequence = state.oldestSequence;
        if (sequence < oldest) oldest = sequence;
      }
    }
    return oldest;
  }

  /** Feeds one event to every rule; allocates an output only when there is something in it. */
  #feed(
    key: string,
    event: Event,
    timestamp: number,
    sequence: number,
    into: OperatorOutput | null,
  ): OperatorOutput {
    let out = into;
    const rules = this.#ruleList;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r]!;
      let state = rule.states.get(key);
      if (state === undefined) {
        // Most events open nothing for a key without runs: keep no state for them.
        if (!rule.nfa.wouldStart(event)) continue;
        state = rule.createState(key);
      }
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
      rule.settle(key, state);
    }
    return out ?? NOTHING;
  }

  #expire(now: number, out: OperatorOutput): void {
    for (const rule of this.#rules.values()) {
      for (
        let due = rule.deadlines.peek();
        due !== undefined && due.at <= now;
        due = rule.deadlines.peek()
      ) {
        rule.deadlines.pop();
        const state = rule.states.get(due.key);
        // Entries are not removed when a key moves on, so skip the stale ones.
        if (state === undefined || rule.nfa.nextDeadline(state) !== due.at) continue;
        rule.currentKey = due.key;
        const advanced = rule.nfa.advanceTime(state, now);
        collect(rule, due.key, advanced.matches, advanced.timedOut, out);
        rule.settle(due.key, state);
      }
    }
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
