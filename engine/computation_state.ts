/**
 * A run of the NFA and the events it has taken. Flink: `nfa/ComputationState.java`, with the
 * run's path held by the run instead of in Flink's `SharedBuffer`.
 *
 * Flink files every taken event under a node `(event, pattern)` whose edges, one per run, point
 * back to the run's previous node and carry the run's Dewey number; a match is read back by
 * following the edges compatible with the run's version. The run's own edge is always
 * compatible (every TAKE appends a stage, so the edge's version is a strict prefix of the run's),
 * and that walk yields exactly the run's own path: before switching, the engine checked both on
 * 152,000 extractions (every conformance pattern under random input, skip strategies and
 * windows) and they never differed. So each run here keeps its path as a persistent list, whose
 * prefix branches of one run share, and the garbage collector frees what no run reaches: no
 * versions, no reference counts. A run is its path's last node, so a TAKE allocates one object,
 * plus one record per event that any run of the key takes.
 *
 * @module
 */

import type { Event } from "./pattern.ts";
import type { State } from "./state.ts";

/** An event as runs take it. Flink: `EventId` and the stored event. One per event and key. */
export interface EventRecord {
  readonly event: Event;
  /** With `id`, Flink's `EventId`: ids count the taken events of one timestamp. */
  readonly timestamp: number;
  readonly id: number;
  /** Arrival sequence assigned by the caller (kept in checkpoints with the rest of the record). */
  readonly sequence: number;
  /** See {@link ComputationState.order}: this event's rank in its key, or {@link UNORDERED}. */
  readonly order: number;
}

/**
 * Ranks let runs be compared by a small integer held in the run itself instead of by reading two
 * events' `(timestamp, id)`, which for many keys are cache misses. A key numbers the events it
 * takes; while they come in time order (see `NfaState#rank`) the numbers order them exactly as
 * `EventId` does. An event out of order gets `UNORDERED`, and comparisons with it use `EventId`.
 */
export const UNORDERED = -1;
/** The rank of runs that have taken nothing, which sort after all others. */
export const NOT_STARTED = 0x3fffffff;

/**
 * Flink: `ComputationState`, which is also the node of its path: `last` was taken under `page`,
 * and `previous` is the run that took the event before it. Immutable: each step creates new runs
 * or keeps the same.
 */
export interface ComputationState {
  /** The state the run waits in (Flink keeps its name and looks it up on every use). */
  readonly state: State;
  /** The pattern that took `last` (the state name without its `:n` suffix). */
  readonly page: string;
  /** The latest event taken, or `null` before the first. Flink: `previousBufferEntry`. */
  readonly last: EventRecord | null;
  /** The run that took the event before `last`, or `null`. */
  readonly previous: ComputationState | null;
  /** The first event taken. Flink: `startEventID` and `startTimestamp`. */
  readonly start: EventRecord | null;
  /** `start.order`, or {@link NOT_STARTED}. */
  readonly order: number;
}

/**
 * A run's path read back: its events by pattern name, the patterns in the order they were first
 * taken, with each pattern's first and last record for the after-match skip strategies.
 */
export interface PathMatch {
  readonly pages: string[];
  readonly events: Event[][];
  readonly firsts: EventRecord[];
  readonly lasts: EventRecord[];
}

/**
 * Orders events as Flink's `EventId#compareTo`: by timestamp, then by id.
 * @returns negative, zero or positive
 */
export function compareEventRecords(a: EventRecord, b: EventRecord): number {
  return a === b ? 0 : a.timestamp - b.timestamp || a.id - b.id;
}

/** Flink: `ComputationState#getStartTimestamp`: -1 for a run that has taken nothing. */
export function startTimestampOf(run: ComputationState): number {
  return run.start === null ? -1 : run.start.timestamp;
}

/** Flink: `ComputationState#getPreviousTimestamp`: the latest taken event's time, or -1. */
export function previousTimestampOf(run: ComputationState): number {
  return run.last === null ? -1 : run.last.timestamp;
}

/** Flink: `ComputationState#createStartState`: a run that has taken no event yet. */
export function createStartState(state: State): ComputationState {
  return { state, page: "", last: null, previous: null, start: null, order: NOT_STARTED };
}

/**
 * Flink: `NFAState.COMPUTATION_STATE_COMPARATOR`: runs ordered by their first event; runs that
 * have not started sort last.
 */
export function compareComputationStates(a: ComputationState, b: ComputationState): number {
  const x = a.order;
  const y = b.order;
  if (x !== UNORDERED && y !== UNORDERED) return x - y;
  if (a.start === null) return b.start === null ? 0 : 1;
  if (b.start === null) return -1;
  return compareEventRecords(a.start, b.start);
}

// The nodes of the path being read, last first; emptied after each use so that it holds no run.
const pathNodes: (ComputationState | undefined)[] = [];

/**
 * Flink: `SharedBufferAccessor#extractPatterns` for one run. Pages are looked up by a linear
 * search: a pattern has few names, and a Map per match cost more than the search.
 */
export function extractPath(run: ComputationState): PathMatch {
  let n = 0;
  for (let node: ComputationState | null = run; node !== null; node = node.previous) {
    if (node.last !== null) pathNodes[n++] = node;
  }
  const path: PathMatch = { pages: [], events: [], firsts: [], lasts: [] };
  const { pages, events, firsts, lasts } = path;
  for (let i = n - 1; i >= 0; i--) {
    const node = pathNodes[i]!;
    const record = node.last!;
    pathNodes[i] = undefined;
    const k = pages.indexOf(node.page);
    if (k < 0) {
      pages.push(node.page);
      events.push([record.event]);
      firsts.push(record);
      lasts.push(record);
    } else {
      events[k]!.push(record.event);
      lasts[k] = record;
    }
  }
  return path;
}

/**
 * Flink: `SharedBufferAccessor#materializeMatch`.
 * @returns the events by pattern name
 */
export function materializeMatch(path: PathMatch): Map<string, Event[]> {
  const result = new Map<string, Event[]>();
  for (let k = 0; k < path.pages.length; k++) result.set(path.pages[k]!, path.events[k]!);
  return result;
}
