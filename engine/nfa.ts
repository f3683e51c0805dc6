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
  previousTimestampOf,
  startTimestampOf,
} from "./computation_state.ts";
import { addStage, type DeweyNumber, increase } from "./dewey_number.ts";
import type { CompiledNfa } from "./nfa_compiler.ts";
import type { AfterMatchSkipStrategy, Event } from "./pattern.ts";
import { PriorityQueue } from "./_priority_queue.ts";
import {
  type EventIdMatch,
  type EventRecord,
  materializeMatch,
  SharedBuffer,
  type SharedBufferNode,
} from "./shared_buffer.ts";
import type { State, StateTransition } from "./state.ts";
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

// Scratch arrays of the step functions, which never re-enter themselves.
const decisionEdges: StateTransition[] = [];
const decisionStack: State[] = [];
const proceedStack: State[] = [];
const nextStates: ComputationState[] = [];

/** Flink: `NFA`. Stateless itself: the per-key state lives in {@link NfaState}. */
export class Nfa {
  readonly #states: ReadonlyMap<string, State>;
  readonly #windowTime: number;
  readonly #windowTimes: ReadonlyMap<string, number>;
  readonly #skip: AfterMatchSkipStrategy;
  /** Set by tools that explain runs (backtest --explain); `null` costs one check per step. */
  listener: RunListener | null = null;
  readonly #starts: State[];
  readonly #potentialMatches = new PriorityQueue<ComputationState>(compareComputationStates);
  /** An empty queue for the next step's runs; queues circulate between keys, one per key. */
  #spare = new PriorityQueue<ComputationState>(compareComputationStates);
  readonly #step = new EventStep();

  /**
   * @param compiled the output of `compileNfa`
   * @param skipStrategy what to discard after a match
   */
  constructor(compiled: CompiledNfa, skipStrategy: AfterMatchSkipStrategy) {
    this.#states = compiled.states;
    this.#windowTime = compiled.windowTime;
    this.#windowTimes = compiled.windowTimes;
    this.#skip = skipStrategy;
    this.#starts = [...compiled.states.values()].filter((state) => state.isStart);
  }

  /** Whether any window can expire runs, so time must be advanced even without events. */
  get hasWindows(): boolean {
    return this.#windowTime > 0 || this.#windowTimes.size > 0;
  }

  /** Flink: `NFA#createInitialNFAState`. */
  createInitialNfaState(): NfaState {
    return new NfaState(this.#starts.map((state) => createStartState(state)));
  }

  /**
   * Whether a key with no state would start a run on this event. If not, processing it on a
   * fresh state changes nothing that matters (only the start run's version, and no run exists
   * to be told apart by it), so callers need not create state for the key at all.
   */
  wouldStart(event: Event): boolean {
    for (const start of this.#starts) {
      for (const edge of this.#createDecisionGraph(start, event)) {
        if (edge.action === "TAKE") return true;
      }
    }
    return false;
  }

  /**
   * The earliest time at which some run of `nfaState` times out, or `Infinity`.
   * @param nfaState the key's state
   */
  nextDeadline(nfaState: NfaState): number {
    let deadline = Infinity;
    for (const run of nfaState.partialMatches) {
      if (run.startEvent === null) continue;
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
    const buffer = nfaState.buffer;
    // Without a run due, Flink's advanceTime rebuilds the same queue and emits nothing.
    if (!this.hasWindows || this.nextDeadline(nfaState) > timestamp) {
      buffer.advanceTime(timestamp);
      return NO_OUTPUT;
    }
    const matches: Match[] = [];
    const timedOut: TimedOutMatch[] = [];
    const newPartialMatches = this.#spare;
    const potentialMatches = this.#potentialMatches;
    potentialMatches.clear();
    for (const run of nfaState.partialMatches) {
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
        start: run.startEvent!.event,
      });
      timedOut.push({
        match: materializeMatch(this.#extractCurrentMatches(buffer, run)),
        timestamp: timeoutForPrevious
          ? previousTimestampOf(run) + perState!
          : startTimestampOf(run) + this.#windowTime,
      });
      if (run.previousBufferEntry !== null) {
        buffer.releaseNode(run.previousBufferEntry, run.version);
      }
    }
    this.#processMatchesAccordingToSkipStrategy(
      nfaState,
      potentialMatches,
      newPartialMatches,
      matches,
    );
    this.#swap(nfaState, newPartialMatches);
    buffer.advanceTime(timestamp);
    return { matches, timedOut };
  }

  /**
   * Flink: `NFA#process`: feeds one event to every run.
   * @param sequence the event's arrival sequence, kept with it while any run needs it
   * @returns the matches completed by this event
   */
  process(nfaState: NfaState, event: Event, timestamp: number, sequence: number): Match[] {
    const step = this.#step;
    step.reset(nfaState.buffer, event, timestamp, sequence);
    try {
      return this.#doProcess(nfaState, step);
    } finally {
      step.close();
    }
  }

  /** Installs the next step's runs and recycles the key's previous queue. */
  #swap(nfaState: NfaState, next: PriorityQueue<ComputationState>): void {
    const previous = nfaState.partialMatches;
    previous.clear();
    this.#spare = previous;
    nfaState.partialMatches = next;
  }

  #isStateTimedOut(run: ComputationState, now: number, since: number, window: number): boolean {
    return !run.state.isStart && window > 0 && now - since >= window;
  }

  #doProcess(nfaState: NfaState, step: EventStep): Match[] {
    const buffer = nfaState.buffer;
    const newPartialMatches = this.#spare;
    const potentialMatches = this.#potentialMatches;
    potentialMatches.clear();
    for (const run of nfaState.partialMatches) {
      const next = this.#computeNextStates(buffer, run, step);
      if (this.listener !== null && run.startEvent !== null) this.#report(run, next, step.event);
      const retain: ComputationState[] = [];
      let discardPath = false;
      for (const state of next) {
        const type = state.state;
        if (type.isFinal) potentialMatches.add(state);
        else if (type.isStop) {
          discardPath = true;
          if (state.previousBufferEntry !== null) {
            buffer.releaseNode(state.previousBufferEntry, state.version);
          }
        } else retain.push(state);
      }
      if (discardPath) {
        for (const state of retain) {
          if (state.previousBufferEntry !== null) {
            buffer.releaseNode(state.previousBufferEntry, state.version);
          }
        }
      } else {
        for (const state of retain) newPartialMatches.add(state);
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
    this.#swap(nfaState, newPartialMatches);
    return matches;
  }

  #report(run: ComputationState, next: readonly ComputationState[], event: Event): void {
    const base = { state: run.state.page, event, start: run.startEvent!.event };
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
    const completed = nfaState.completedMatches ??= new PriorityQueue(compareComputationStates);
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
      const buffer = nfaState.buffer;
      const matched = buffer.extractPatterns(earliest.previousBufferEntry!, earliest.version);
      const listener = this.listener;
      const onPrune = listener === null ? undefined : (run: ComputationState) =>
        listener({
          type: "pruned",
          state: run.state.page,
          start: run.startEvent!.event,
        });
      prune(this.#skip, partialMatches, matched, buffer, onPrune);
      prune(this.#skip, completed, matched, buffer, onPrune);
      listener?.({
        type: "matched",
        state: earliest.state.page,
        start: earliest.startEvent!.event,
      });
      result.push(materializeMatch(matched[0]!));
      buffer.releaseNode(earliest.previousBufferEntry!, earliest.version);
    }
    if (completed.size === 0) nfaState.completedMatches = null;
  }

  #computeNextStates(
    buffer: SharedBuffer,
    run: ComputationState,
    step: EventStep,
  ): ComputationState[] {
    const current = run.state;
    const edges = this.#createDecisionGraph(current, step.event);
    let totalTake = 0;
    let totalIgnore = 0;
    for (const edge of edges) {
      // Flink: OutgoingEdges#add does not count an IGNORE that stays in the same state.
      if (edge.action === "IGNORE" && edge.target.name === current.name) continue;
      if (edge.action === "TAKE") totalTake++;
      else if (edge.action === "IGNORE") totalIgnore++;
    }
    let takeBranchesToVisit = Math.max(0, totalTake - 1);
    let ignoreBranchesToVisit = totalIgnore;
    const totalTakeToSkip = Math.max(0, totalTake - 1);
    const result = nextStates;
    result.length = 0;
    const runIsStart = current.isStart;
    for (const edge of edges) {
      if (edge.action === "IGNORE") {
        if (runIsStart) continue;
        let version: DeweyNumber;
        if (edge.target.name === current.name) {
          version = increase(run.version, increasingSelfState(totalIgnore, totalTake));
        } else {
          version = addStage(increase(run.version, totalTakeToSkip + ignoreBranchesToVisit));
          ignoreBranchesToVisit--;
        }
        this.#addComputationState(
          buffer,
          result,
          edge.target,
          run.previousBufferEntry,
          version,
          run.startEvent,
        );
      } else if (edge.action === "TAKE") {
        const currentVersion = increase(run.version, takeBranchesToVisit);
        const nextVersion = addStage(currentVersion);
        takeBranchesToVisit--;
        const record = step.eventRecord();
        const newEntry = buffer.put(
          edge.source.page,
          record,
          run.previousBufferEntry,
          currentVersion,
        );
        const startEvent = runIsStart ? record : run.startEvent;
        this.listener?.({
          type: runIsStart ? "opened" : "advanced",
          state: edge.source.page,
          event: step.event,
          start: startEvent!.event,
        });
        this.#addComputationState(
          buffer,
          result,
          edge.target,
          newEntry,
          nextVersion,
          startEvent,
        );
        const finalState = this.#findFinalStateAfterProceed(edge.target, step.event);
        if (finalState !== null) {
          this.#addComputationState(
            buffer,
            result,
            finalState,
            newEntry,
            nextVersion,
            startEvent,
          );
        }
      }
    }
    if (runIsStart) {
      const version = increase(run.version, increasingSelfState(totalIgnore, totalTake));
      // The same run object serves while its version does not change.
      result.push(version === run.version ? run : createStartState(current, version));
    }
    if (run.previousBufferEntry !== null) buffer.releaseNode(run.previousBufferEntry, run.version);
    return result;
  }

  #addComputationState(
    buffer: SharedBuffer,
    states: ComputationState[],
    target: State,
    previousBufferEntry: SharedBufferNode | null,
    version: DeweyNumber,
    startEvent: EventRecord | null,
  ): void {
    states.push({ state: target, previousBufferEntry, version, startEvent });
    if (previousBufferEntry !== null) buffer.lockNode(previousBufferEntry, version);
  }

  /** Flink: `findFinalStateAfterProceed`: a TAKE that can PROCEED to the end completes a match. */
  #findFinalStateAfterProceed(state: State, event: Event): State | null {
    const stack = proceedStack;
    stack.length = 0;
    stack.push(state);
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const t of current.transitions) {
        if (t.action !== "PROCEED" || !(t.condition === null || t.condition(event))) continue;
        if (t.target.isFinal) {
          stack.length = 0;
          return t.target;
        }
        stack.push(t.target);
      }
    }
    return null;
  }

  /** Flink: `createDecisionGraph`: follows PROCEED edges and collects applicable TAKE/IGNORE. */
  #createDecisionGraph(state: State, event: Event): StateTransition[] {
    const edges = decisionEdges;
    edges.length = 0;
    const stack = decisionStack;
    stack.push(state);
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const t of current.transitions) {
        if (!(t.condition === null || t.condition(event))) continue;
        if (t.action === "PROCEED") stack.push(t.target);
        else edges.push(t);
      }
    }
    return edges;
  }

  /** Flink: `extractCurrentMatches`. */
  #extractCurrentMatches(buffer: SharedBuffer, run: ComputationState): EventIdMatch {
    if (run.previousBufferEntry === null) return new Map();
    const paths = buffer.extractPatterns(run.previousBufferEntry, run.version);
    return paths[0] ?? new Map();
  }
}

/** Flink: `calculateIncreasingSelfState`. */
function increasingSelfState(ignoreBranches: number, takeBranches: number): number {
  return takeBranches === 0 && ignoreBranches === 0
    ? 0
    : ignoreBranches + Math.max(1, takeBranches);
}

/** Flink: `NFA.EventWrapper`: registers the event on its first TAKE, releases it afterwards. */
class EventStep {
  #buffer: SharedBuffer | null = null;
  event: Event = {};
  timestamp = 0;
  #sequence = 0;
  #record: EventRecord | null = null;

  reset(buffer: SharedBuffer, event: Event, timestamp: number, sequence: number): void {
    this.#buffer = buffer;
    this.event = event;
    this.timestamp = timestamp;
    this.#sequence = sequence;
    this.#record = null;
  }

  eventRecord(): EventRecord {
    return this.#record ??= this.#buffer!.registerEvent(this.event, this.timestamp, this.#sequence);
  }

  close(): void {
    if (this.#record !== null) this.#buffer!.releaseEvent(this.#record);
    this.#record = null;
    this.#buffer = null;
  }
}
