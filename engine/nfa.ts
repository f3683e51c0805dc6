/**
 * The automaton that runs a compiled pattern over the events of one key. Flink: `nfa/NFA.java`.
 *
 * @module
 */

import { isSkipStrategy, prune } from "./after_match_skip.ts";
import {
  compareComputationStates,
  type ComputationState,
  createStartState,
  type EventRecord,
  extractPath,
  materializeMatch,
  previousTimestampOf,
  startTimestampOf,
} from "./computation_state.ts";
import type { CompiledNfa } from "./nfa_compiler.ts";
import type { AfterMatchSkipStrategy, Event } from "./pattern.ts";
import { ConditionValues } from "./_condition_values.ts";
import { type Decision, DecisionTables } from "./_decision_tables.ts";
import { PriorityQueue } from "./_priority_queue.ts";
import type { State } from "./state.ts";
import {
  type Match,
  type NfaOutput,
  NfaState,
  type RunListener,
  type TimedOutMatch,
} from "./nfa_state.ts";

export type { Match, NfaOutput, RunEvent, RunListener, TimedOutMatch } from "./nfa_state.ts";

const NO_OUTPUT: NfaOutput = Object.freeze({
  matches: Object.freeze([]) as unknown as Match[],
  timedOut: Object.freeze([]) as unknown as TimedOutMatch[],
});
const NO_MATCHES = NO_OUTPUT.matches;

// The runs one run becomes on an event, by #computeNextStates, which never re-enters itself. The
// count is returned rather than the length set: `length = 0` made V8 shrink and regrow the store.
const nextStates: ComputationState[] = [];

/** Options for {@link Nfa}. */
export interface NfaOptions {
  /**
   * Where the rule's conditions are evaluated, shared with the other NFAs of an operator so that
   * a condition they have in common is evaluated once per event; by default the NFA's own.
   */
  readonly conditionValues?: ConditionValues;
}

/** Flink: `NFA`. Stateless itself: the per-key state lives in {@link NfaState}. */
export class Nfa {
  readonly #windowTime: number;
  readonly #windowTimes: ReadonlyMap<string, number>;
  readonly #skip: AfterMatchSkipStrategy;
  /** Set by tools that explain runs (backtest --explain); `null` costs one check per step. */
  listener: RunListener | null = null;
  /** Flink: `NFA#getStates`: the compiled states by name, which restored runs refer to. */
  readonly states: ReadonlyMap<string, State>;
  readonly #starts: State[];
  /** The runs of a fresh key: immutable, so every key shares them. */
  readonly #startRuns: ComputationState[];
  /** What each state does with the current event. */
  readonly #decisions: DecisionTables;

  /**
   * @param compiled the output of `compileNfa`
   * @param skipStrategy what to discard after a match
   * @param options shared condition values
   */
  constructor(
    compiled: CompiledNfa,
    skipStrategy: AfterMatchSkipStrategy,
    options: NfaOptions = {},
  ) {
    this.#windowTime = compiled.windowTime;
    this.#windowTimes = compiled.windowTimes;
    this.hasWindows = this.#windowTime > 0 || this.#windowTimes.size > 0;
    this.#skip = skipStrategy;
    this.states = compiled.states;
    const states = [...compiled.states.values()];
    this.#starts = states.filter((state) => state.isStart);
    this.#startRuns = this.#starts.map((state) => createStartState(state));
    this.#decisions = new DecisionTables(
      states,
      options.conditionValues ?? new ConditionValues(),
    );
  }

  /** Gives back the conditions' shared slots (see {@link NfaOptions}): the NFA is no longer used. */
  release(): void {
    this.#decisions.release();
  }

  /** Whether any window can expire runs, so time must be advanced even without events. */
  readonly hasWindows: boolean;

  /** Flink: `NFA#createInitialNFAState`. */
  createInitialNfaState(): NfaState {
    return new NfaState(this.#startRuns);
  }

  /** Returns an idle state (see {@link NfaState.idle}) to what {@link createInitialNfaState} gives. */
  resetIdleNfaState(nfaState: NfaState): void {
    nfaState.reset(this.#startRuns);
  }

  /**
   * Whether a key with no state would start a run on this event. If not, processing it on a
   * fresh state changes nothing, so callers need not create state for the key at all.
   */
  wouldStart(event: Event): boolean {
    this.#decisions.use(event);
    for (const start of this.#starts) if (this.#decisions.of(start).takes) return true;
    return false;
  }

  /**
   * The earliest time at which some run of `nfaState` times out, or `Infinity`.
   * @param nfaState the key's state
   */
  nextDeadline(nfaState: NfaState): number {
    let deadline = Infinity;
    const runs = nfaState.partialMatches;
    for (let r = 0; r < runs.size; r++) {
      const run = runs.at(r);
      if (run.start === null) continue;
      if (this.#windowTime > 0) {
        deadline = Math.min(deadline, startTimestampOf(run) + this.#windowTime);
      }
      const perState = this.#windowTimes.get(run.state.name);
      if (perState !== undefined && perState > 0) {
        deadline = Math.min(deadline, previousTimestampOf(run) + perState);
      }
    }
    return deadline;
  }

  /**
   * Flink: `NFA#advanceTime`: prunes runs whose window expired by `timestamp`, reports them as
   * timed out, and emits runs that only waited for time (a trailing notFollowedBy).
   */
  advanceTime(nfaState: NfaState, timestamp: number): NfaOutput {
    // Without a run due, Flink's advanceTime rebuilds the same queue and emits nothing.
    if (!this.hasWindows || this.nextDeadline(nfaState) > timestamp) {
      nfaState.advanceTime(timestamp);
      return NO_OUTPUT;
    }
    const matches: Match[] = [];
    const timedOut: TimedOutMatch[] = [];
    const newPartialMatches = scratch.next;
    const potentialMatches = scratch.potentialMatches;
    potentialMatches.clear();
    const runs = nfaState.partialMatches;
    for (let r = 0; r < runs.size; r++) {
      const run = runs.at(r);
      const perState = this.#windowTimes.get(run.state.name);
      const timeoutForPrevious = perState !== undefined &&
        this.#isStateTimedOut(run, timestamp, previousTimestampOf(run), perState);
      const timeoutForFirst = this.#isStateTimedOut(
        run,
        timestamp,
        startTimestampOf(run),
        this.#windowTime,
      );
      if (!timeoutForPrevious && !timeoutForFirst) {
        newPartialMatches.add(run);
        continue;
      }
      if (run.state.isPending) {
        potentialMatches.add(run);
        continue;
      }
      this.listener?.({
        type: "timedOut",
        state: run.state.page,
        start: run.start!.event,
      });
      timedOut.push({
        // Flink: extractCurrentMatches.
        match: materializeMatch(extractPath(run)),
        timestamp: timeoutForPrevious
          ? previousTimestampOf(run) + perState!
          : startTimestampOf(run) + this.#windowTime,
      });
    }
    this.#processMatchesAccordingToSkipStrategy(
      nfaState,
      potentialMatches,
      newPartialMatches,
      matches,
    );
    nfaState.partialMatches.moveFrom(newPartialMatches);
    nfaState.advanceTime(timestamp);
    return { matches, timedOut };
  }

  /**
   * Flink: `NFA#process`: feeds one event to every run.
   * @param sequence the event's arrival sequence, kept with it while any run needs it
   * @returns the matches completed by this event
   */
  process(nfaState: NfaState, event: Event, timestamp: number, sequence: number): Match[] {
    const step = scratch.step;
    step.reset(nfaState, event, timestamp, sequence);
    this.#decisions.use(event);
    return this.#doProcess(nfaState, step);
  }

  #isStateTimedOut(run: ComputationState, now: number, since: number, window: number): boolean {
    return !run.state.isStart && window > 0 && now - since >= window;
  }

  #doProcess(nfaState: NfaState, step: EventStep): Match[] {
    const newPartialMatches = scratch.next;
    const potentialMatches = scratch.potentialMatches;
    potentialMatches.clear();
    const runs = nfaState.partialMatches;
    for (let r = 0; r < runs.size; r++) {
      const run = runs.at(r);
      const decision = this.#decisions.of(run.state);
      const count = this.#computeNextStates(run, decision, step);
      const next = nextStates;
      if (this.listener !== null && run.start !== null) {
        this.#report(run, next.slice(0, count), step.event);
      }
      // A run that reaches a stop state is discarded with all its branches.
      const stopped = decision.stops;
      for (let i = 0; i < count; i++) {
        const state = next[i]!;
        if (state.state.isFinal) potentialMatches.add(state);
        else if (!stopped) newPartialMatches.add(state);
      }
    }
    const matches: Match[] = potentialMatches.size > 0 || nfaState.completedMatches !== null
      ? []
      : NO_MATCHES;
    this.#processMatchesAccordingToSkipStrategy(
      nfaState,
      potentialMatches,
      newPartialMatches,
      matches,
    );
    nfaState.partialMatches.moveFrom(newPartialMatches);
    return matches;
  }

  #report(run: ComputationState, next: readonly ComputationState[], event: Event): void {
    const base = { state: run.state.page, event, start: run.start!.event };
    if (!next.some((s) => s.last !== run.last)) {
      this.listener!({ type: "rejected", ...base, conditions: takingPatterns(run.state) });
    }
    if (next.length === 0) this.listener!({ type: "discarded", ...base });
    else if (next.some((s) => s.state.isStop)) {
      this.listener!({ type: "stopped", ...base });
    }
  }

  #processMatchesAccordingToSkipStrategy(
    nfaState: NfaState,
    potentialMatches: PriorityQueue<ComputationState>,
    partialMatches: PriorityQueue<ComputationState>,
    result: Match[],
  ): void {
    if (potentialMatches.size === 0 && nfaState.completedMatches === null) return;
    // Matches seldom wait, so the key gets its own queue only when one does.
    const completed = nfaState.completedMatches ?? scratch.completed;
    for (const match of potentialMatches) completed.add(match);
    const skipping = isSkipStrategy(this.#skip);
    for (let earliest = completed.peek(); earliest !== undefined; earliest = completed.peek()) {
      if (skipping) {
        // A match may only be emitted once no earlier run can still complete before it.
        const earliestPartial = partialMatches.peek();
        if (
          earliestPartial !== undefined && compareComputationStates(earliest, earliestPartial) > 0
        ) break;
      }
      completed.poll();
      const matched = extractPath(earliest);
      const listener = this.listener;
      const onPrune = listener === null
        ? undefined
        : (run: ComputationState) =>
          listener({ type: "pruned", state: run.state.page, start: run.start!.event });
      prune(this.#skip, partialMatches, matched, onPrune);
      prune(this.#skip, completed, matched, onPrune);
      listener?.({ type: "matched", state: earliest.state.page, start: earliest.start!.event });
      result.push(materializeMatch(matched));
    }
    if (this.listener !== null && completed.size > 0) {
      this.#reportHeldBack(potentialMatches, completed, partialMatches.peek());
    }
    if (completed.size === 0) nfaState.completedMatches = null;
    else if (completed === scratch.completed) {
      nfaState.completedMatches = new PriorityQueue(compareComputationStates);
      nfaState.completedMatches.moveFrom(completed);
    }
  }

  // The matches completed by this step that must wait for an earlier open run.
  #reportHeldBack(
    completedNow: PriorityQueue<ComputationState>,
    completed: PriorityQueue<ComputationState>,
    holder: ComputationState | undefined,
  ): void {
    if (holder?.start == null) return;
    const waiting = new Set(completed);
    for (const match of completedNow) {
      if (!waiting.has(match)) continue;
      this.listener!({
        type: "heldBack",
        state: match.state.page,
        start: match.start!.event,
        heldByState: holder.state.page,
        heldBy: holder.start.event,
      });
    }
  }

  /**
   * Flink: `computeNextStates`, without the Dewey numbers (see computation_state.ts): a run
   * whose state and path stay the same is kept as the same object.
   * @returns how many runs it wrote to the start of `nextStates`
   */
  #computeNextStates(run: ComputationState, decision: Decision, step: EventStep): number {
    const current = run.state;
    const { edges, finals } = decision;
    const result = nextStates;
    let count = 0;
    const runIsStart = current.isStart;
    for (let i = 0; i < edges.length; i++) {
      const edge = edges[i]!;
      if (edge.action === "IGNORE") {
        if (runIsStart) continue;
        result[count++] = edge.target === current ? run : { ...run, state: edge.target };
      } else {
        const record = step.record();
        const start = runIsStart ? record : run.start!;
        this.listener?.({
          type: runIsStart ? "opened" : "advanced",
          state: edge.source.page,
          event: step.event,
          start: start.event,
        });
        // Flink: SharedBufferAccessor#put.
        const taken: ComputationState = {
          state: edge.target,
          page: edge.source.page,
          last: record,
          previous: runIsStart ? null : run,
          start,
          order: runIsStart ? record.order : run.order,
        };
        result[count++] = taken;
        const finalState = finals[i] ?? null;
        if (finalState !== null) result[count++] = { ...taken, state: finalState };
      }
    }
    if (runIsStart) result[count++] = run;
    return count;
  }
}

/**
 * The patterns whose conditions could have taken an event in `state`: its TAKE transitions and
 * those of the states it reaches by PROCEED (the optional or finished loops it may leave).
 */
function takingPatterns(state: State): string[] {
  const patterns: string[] = [];
  const seen = new Set<State>();
  const visit = (s: State) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const t of s.transitions) {
      if (t.action === "PROCEED") visit(t.target);
      else if (t.action === "TAKE" && !t.target.isStop && !patterns.includes(s.page)) {
        patterns.push(s.page);
      }
    }
  };
  visit(state);
  return patterns;
}

/** Flink: `NFA.EventWrapper`: numbers the event on its first TAKE. */
class EventStep {
  #nfaState: NfaState | null = null;
  event: Event = {};
  #timestamp = 0;
  #sequence = 0;
  #record: EventRecord | null = null;

  reset(nfaState: NfaState, event: Event, timestamp: number, sequence: number): void {
    this.#nfaState = nfaState;
    this.event = event;
    this.#timestamp = timestamp;
    this.#sequence = sequence;
    this.#record = null;
  }

  /** The event as runs take it, created by the first TAKE. */
  record(): EventRecord {
    if (this.#record !== null) return this.#record;
    const nfaState = this.#nfaState!;
    const id = nfaState.nextEventId(this.#timestamp);
    return this.#record = {
      event: this.event,
      timestamp: this.#timestamp,
      id,
      sequence: this.#sequence,
      order: nfaState.rank(this.#timestamp),
    };
  }
}

/**
 * What a step works in, left empty (or reset on use) by every step. Shared by all NFAs, as
 * `nextStates` is, since no step re-enters another: with many rules, one copy stays in cache.
 */
const scratch = {
  potentialMatches: new PriorityQueue<ComputationState>(compareComputationStates),
  /** The next step's runs, moved into the key's own queue at the end of the step. */
  next: new PriorityQueue<ComputationState>(compareComputationStates),
  /** Completed runs of a key that has none waiting, during one step. */
  completed: new PriorityQueue<ComputationState>(compareComputationStates),
  step: new EventStep(),
};
