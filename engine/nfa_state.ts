/**
 * The per-key state of an NFA and the values a step of it produces. Flink: `nfa/NFAState.java`.
 *
 * @module
 */

import {
  compareComputationStates,
  type ComputationState,
  NOT_STARTED,
  UNORDERED,
} from "./computation_state.ts";
import type { Event } from "./pattern.ts";
import { PriorityQueue } from "./_priority_queue.ts";

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
  }
  | {
    /** The run took nothing of `event`: the conditions of `conditions` (pattern names) refused it. */
    readonly type: "rejected";
    readonly state: string;
    readonly event: Event;
    readonly start: Event;
    readonly conditions: readonly string[];
  }
  | {
    /**
     * A completed match waits, under SKIP_TO_FIRST / SKIP_TO_LAST, behind an open run that began
     * earlier (Flink emits a match only once no earlier run can complete before it).
     */
    readonly type: "heldBack";
    /** The match's final state (`$endState$`). */
    readonly state: string;
    readonly start: Event;
    readonly heldByState: string;
    readonly heldBy: Event;
  };

/** Receives {@link RunEvent}s; the engine calls it synchronously and never needs it. */
export type RunListener = (event: RunEvent) => void;

/**
 * What numbers a key's events, as plain values: Flink's `eventsCount` (the next `EventId` per
 * timestamp) and the ranking position (see `NfaState#rank`). Times may be `NaN` (no count yet)
 * and `-Infinity` (nothing ranked yet).
 */
export interface EventCounters {
  /** The latest timestamp ids were counted at, and the next id for it. */
  readonly countTimestamp: number;
  readonly count: number;
  /** `[timestamp, next id]` of older timestamps not yet cleared by advanceTime. */
  readonly olderCounts: readonly (readonly [number, number])[];
  readonly high: number;
  readonly nextOrder: number;
}

/**
 * Flink: `NFAState` plus what the key's `SharedBuffer` keeps beyond the runs' paths: the count
 * of events taken per timestamp, which numbers them (`EventId`). One exists per key and rule, so
 * it holds no Map unless an unusual case needs one.
 */
export class NfaState extends PriorityQueue<ComputationState> {
  /** Flink: `completedMatches`; created when a match first has to wait. */
  completedMatches: PriorityQueue<ComputationState> | null = null;
  /** Flink's `eventsCount` (next id per timestamp) for the latest timestamp... */
  #countTimestamp = NaN;
  #count = 0;
  /** ...and for older timestamps not yet cleared by advanceTime (rare). */
  #olderCounts: Map<number, number> | null = null;
  /** The latest time ids were counted or cleared at: events before it are out of order. */
  #high = -Infinity;
  #nextOrder = 0;

  /** @param starts the initial runs */
  constructor(starts: Iterable<ComputationState>) {
    super(compareComputationStates);
    for (const start of starts) this.add(start);
  }

  /**
   * Flink: `partialMatches`, the runs in progress. The state is itself their queue, so that the
   * runs of a key are read from one object.
   */
  get partialMatches(): PriorityQueue<ComputationState> {
    return this;
  }

  /** Back to the state `constructor(starts)` gives, keeping the storage. */
  reset(starts: Iterable<ComputationState>): void {
    this.partialMatches.clear();
    for (const start of starts) this.partialMatches.add(start);
    this.completedMatches = null;
    this.#countTimestamp = NaN;
    this.#count = 0;
    this.#olderCounts = null;
    this.#high = -Infinity;
    this.#nextOrder = 0;
  }

  /** Flink: `SharedBufferAccessor#registerEvent`: the id of an event taken at `timestamp`. */
  nextEventId(timestamp: number): number {
    if (timestamp !== this.#countTimestamp) this.#switchCounter(timestamp);
    return this.#count++;
  }

  /**
   * The rank of an event taken at `timestamp` (see `UNORDERED` in computation_state.ts). Ranks
   * follow `EventId` order while timestamps do not decrease and no id count was cleared at or
   * after the event's timestamp, since then ids of one timestamp rise with the ranks.
   */
  rank(timestamp: number): number {
    if (timestamp < this.#high || this.#nextOrder >= NOT_STARTED) return UNORDERED;
    this.#high = timestamp;
    return this.#nextOrder++;
  }

  #switchCounter(timestamp: number): void {
    let older = this.#olderCounts;
    if (!Number.isNaN(this.#countTimestamp)) {
      (older ??= new Map()).set(this.#countTimestamp, this.#count);
    }
    this.#count = older?.get(timestamp) ?? 0;
    older?.delete(timestamp);
    this.#olderCounts = older !== null && older.size > 0 ? older : null;
    this.#countTimestamp = timestamp;
  }

  /** The counters that number this key's events, for a snapshot of the state. */
  eventCounters(): EventCounters {
    return {
      countTimestamp: this.#countTimestamp,
      count: this.#count,
      olderCounts: [...this.#olderCounts ?? []],
      high: this.#high,
      nextOrder: this.#nextOrder,
    };
  }

  /** Sets the counters to those {@link eventCounters} gave, when restoring a snapshot. */
  restoreEventCounters(counters: EventCounters): void {
    this.#countTimestamp = counters.countTimestamp;
    this.#count = counters.count;
    this.#olderCounts = counters.olderCounts.length === 0 ? null : new Map(counters.olderCounts);
    this.#high = counters.high;
    this.#nextOrder = counters.nextOrder;
  }

  /** Flink: `SharedBuffer#advanceTime`: ids restart for timestamps that can no longer occur. */
  advanceTime(timestamp: number): void {
    // Nothing counted: nothing to clear (the common case, so the time fields stay unread).
    if (this.#count === 0 && this.#olderCounts === null) return;
    if (
      (this.#countTimestamp < timestamp || this.#olderCounts !== null) && timestamp > this.#high
    ) this.#high = timestamp;
    if (this.#countTimestamp < timestamp) {
      this.#countTimestamp = NaN;
      this.#count = 0;
    }
    const older = this.#olderCounts;
    if (older === null) return;
    for (const ts of older.keys()) if (ts < timestamp) older.delete(ts);
    if (older.size === 0) this.#olderCounts = null;
  }

  /**
   * Whether no run holds an event: every event a run holds is on the path back from it, and a
   * run's first event is the oldest on that path.
   */
  get idle(): boolean {
    if (this.completedMatches !== null) return false;
    const runs = this.partialMatches;
    for (let r = 0; r < runs.size; r++) if (runs.at(r).start !== null) return false;
    return true;
  }

  /** Number of runs that have taken at least one event. */
  get livePartialMatches(): number {
    let n = this.completedMatches?.size ?? 0;
    const runs = this.partialMatches;
    for (let r = 0; r < runs.size; r++) if (runs.at(r).start !== null) n++;
    return n;
  }
}
