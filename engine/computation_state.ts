/**
 * A run of the NFA. Flink: `nfa/ComputationState.java`.
 *
 * @module
 */

import { type DeweyNumber, deweyNumber } from "./dewey_number.ts";
import { compareEventRecords, type EventRecord, type SharedBufferNode } from "./shared_buffer.ts";
import type { State } from "./state.ts";

/** Flink: `ComputationState`. Immutable: each step creates new ones. */
export interface ComputationState {
  /** The state the run waits in (Flink keeps its name and looks it up on every use). */
  readonly state: State;
  readonly previousBufferEntry: SharedBufferNode | null;
  readonly version: DeweyNumber;
  /**
   * The run's first event. Flink also keeps its timestamp (`startTimestamp`) and that of the
   * latest event taken (`previousTimestamp`); both are read from the events instead, see
   * {@link startTimestampOf} and {@link previousTimestampOf}, which saves two boxed numbers a run.
   */
  readonly startEvent: EventRecord | null;
}

/** Flink: `ComputationState#getStartTimestamp`: -1 for a run that has taken nothing. */
export function startTimestampOf(run: ComputationState): number {
  return run.startEvent === null ? -1 : run.startEvent.timestamp;
}

/** Flink: `ComputationState#getPreviousTimestamp`: the latest taken event's time, or -1. */
export function previousTimestampOf(run: ComputationState): number {
  return run.previousBufferEntry === null ? -1 : run.previousBufferEntry.event.timestamp;
}

/**
 * Flink: `ComputationState#createStartState`.
 * @param state the start state
 * @param version defaults to `1`
 * @returns a run that has taken no event yet
 */
export function createStartState(
  state: State,
  version: DeweyNumber = deweyNumber(1),
): ComputationState {
  return {
    state,
    previousBufferEntry: null,
    version,
    startEvent: null,
  };
}

/**
 * Flink: `NFAState.COMPUTATION_STATE_COMPARATOR`: runs ordered by their first event; runs that
 * have not started sort last.
 */
export function compareComputationStates(a: ComputationState, b: ComputationState): number {
  if (a.startEvent === null) return b.startEvent === null ? 0 : 1;
  if (b.startEvent === null) return -1;
  return compareEventRecords(a.startEvent, b.startEvent);
}
