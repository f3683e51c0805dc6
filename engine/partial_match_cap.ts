/**
 * An opt-in bound on one key's partial matches for one rule. Flink has none: a pattern without a
 * window keeps every run until it completes, so a key that keeps starting runs and never
 * finishes them grows without limit. With a cap the oldest runs go first, as they are the least
 * likely to complete.
 *
 * @module
 */

import { compareEventRecords, type ComputationState } from "./computation_state.ts";
import type { NfaState } from "./nfa_state.ts";

/**
 * Drops the runs of `nfaState` that started earliest until at most `max` runs that have taken an
 * event remain. Runs that wait for nothing (the start runs) and completed matches waiting to be
 * emitted are kept.
 * @param nfaState a key's state for one rule
 * @param max how many started runs may remain, >= 1
 * @returns how many runs were dropped
 */
export function capPartialMatches(nfaState: NfaState, max: number): number {
  const started: ComputationState[] = [];
  for (let r = 0; r < nfaState.size; r++) {
    const run = nfaState.at(r);
    if (run.start !== null) started.push(run);
  }
  const excess = started.length - max;
  if (excess <= 0) return 0;
  started.sort((a, b) => compareEventRecords(a.start!, b.start!));
  const dropped = new Set(started.slice(0, excess));
  nfaState.removeIf((run) => dropped.has(run));
  return excess;
}
