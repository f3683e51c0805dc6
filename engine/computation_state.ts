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
  /** Timestamp of the first event of the run, or -1 for a start state. */
  readonly startTimestamp: number;
  /** Timestamp of the latest event taken, or -1 for a start state. */
  readonly previousTimestamp: number;
  readonly startEvent: EventRecord | null;
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
    startTimestamp: -1,
    previousTimestamp: -1,
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
