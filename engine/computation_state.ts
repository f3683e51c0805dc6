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
 * versions, no reference counts, one object per taken event and run.
 *
 * @module
 */

import type { Event } from "./pattern.ts";
import type { State } from "./state.ts";

/** An event taken by a run, linked to the run's previous one. Flink: `NodeId` and its edge. */
export interface PathNode {
  /** The pattern that took the event (the state name without its `:n` suffix). */
  readonly page: string;
  readonly event: Event;
  /** With `id`, Flink's `EventId`: ids count the taken events of one timestamp. */
  readonly timestamp: number;
  readonly id: number;
  /** Arrival sequence assigned by the caller, used to know which input is still needed. */
  readonly sequence: number;
  readonly previous: PathNode | null;
}

/** Flink: `ComputationState`. Immutable: each step creates new ones or keeps the same. */
export interface ComputationState {
  /** The state the run waits in (Flink keeps its name and looks it up on every use). */
  readonly state: State;
  /** The latest event taken, or `null` before the first. Flink: `previousBufferEntry`. */
  readonly last: PathNode | null;
  /** The first event taken. Flink keeps its `EventId` and timestamp (`startEventID`). */
  readonly start: PathNode | null;
}

/** A match as taken events by pattern name, in match order. */
export type PathMatch = Map<string, PathNode[]>;

/**
 * Orders events as Flink's `EventId#compareTo`: by timestamp, then by id.
 * @returns negative, zero or positive
 */
export function compareNodes(a: PathNode, b: PathNode): number {
  return a.timestamp - b.timestamp || a.id - b.id;
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
  return { state, last: null, start: null };
}

/**
 * Flink: `NFAState.COMPUTATION_STATE_COMPARATOR`: runs ordered by their first event; runs that
 * have not started sort last.
 */
export function compareComputationStates(a: ComputationState, b: ComputationState): number {
  if (a.start === null) return b.start === null ? 0 : 1;
  if (b.start === null) return -1;
  return compareNodes(a.start, b.start);
}

/**
 * Flink: `SharedBufferAccessor#extractPatterns` for one run: its events by pattern name, the
 * patterns in the order they were first taken.
 */
export function extractPath(run: ComputationState): PathMatch {
  const nodes: PathNode[] = [];
  for (let node = run.last; node !== null; node = node.previous) nodes.push(node);
  const match: PathMatch = new Map();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    const events = match.get(node.page);
    if (events === undefined) match.set(node.page, [node]);
    else events.push(node);
  }
  return match;
}

/**
 * Flink: `SharedBufferAccessor#materializeMatch`.
 * @returns the events by pattern name
 */
export function materializeMatch(match: PathMatch): Map<string, Event[]> {
  const result = new Map<string, Event[]>();
  for (const [page, nodes] of match) result.set(page, nodes.map((n) => n.event));
  return result;
}
