/**
 * The per-key state of an NFA and the values a step of it produces. Flink: `nfa/NFAState.java`.
 *
 * @module
 */

import { compareComputationStates, type ComputationState } from "./computation_state.ts";
import type { Event } from "./pattern.ts";
import { PriorityQueue } from "./_priority_queue.ts";
import { SharedBuffer } from "./shared_buffer.ts";

/** A match: the events of each pattern, in pattern order. */
export type Match = ReadonlyMap<string, readonly Event[]>;

/** A partial match dropped because a window expired, and when it expired. */
export interface TimedOutMatch {
  readonly match: Match;
  readonly timestamp: number;
}

/** What a step of the NFA produced. */
export interface NfaOutput {
  readonly matches: Match[];
  readonly timedOut: TimedOutMatch[];
}

/** What happened to a run, for explaining why a rule did or did not fire. */
export type RunEvent =
  | {
    readonly type: "opened" | "advanced";
    readonly state: string;
    readonly event: Event;
    readonly start: Event;
  }
  | {
    readonly type: "discarded" | "stopped";
    readonly state: string;
    readonly event: Event;
    readonly start: Event;
  }
  | {
    readonly type: "timedOut" | "pruned" | "matched";
    readonly state: string;
    readonly start: Event;
  };

/** Receives {@link RunEvent}s; the engine calls it synchronously and never needs it. */
export type RunListener = (event: RunEvent) => void;

/** Flink: `NFAState` plus the key's `SharedBuffer`. */
export class NfaState {
  partialMatches: PriorityQueue<ComputationState>;
  /** Flink: `completedMatches`; created when a match first has to wait. */
  completedMatches: PriorityQueue<ComputationState> | null = null;
  readonly buffer = new SharedBuffer();

  /** @param starts the initial runs */
  constructor(starts: Iterable<ComputationState>) {
    this.partialMatches = new PriorityQueue(compareComputationStates);
    for (const start of starts) this.partialMatches.add(start);
  }

  /**
   * Whether no run holds an event: every event a run holds is on the path back from it, and a
   * run's first event is the oldest on that path.
   */
  get idle(): boolean {
    if (this.completedMatches !== null) return false;
    for (const run of this.partialMatches) if (run.startEvent !== null) return false;
    return true;
  }

  /** The arrival sequence of the oldest event a run holds, or `Infinity`. */
  get oldestSequence(): number {
    let oldest = Infinity;
    for (const run of this.partialMatches) {
      if (run.startEvent !== null && run.startEvent.sequence < oldest) {
        oldest = run.startEvent.sequence;
      }
    }
    for (const run of this.completedMatches ?? []) {
      oldest = Math.min(oldest, run.startEvent!.sequence);
    }
    return oldest;
  }

  /** Number of runs that have taken at least one event. */
  get livePartialMatches(): number {
    let n = this.completedMatches?.size ?? 0;
    for (const run of this.partialMatches) if (run.startEvent !== null) n++;
    return n;
  }
}
