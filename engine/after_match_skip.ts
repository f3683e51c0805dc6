/**
 * After-match skip strategies. Flink: `nfa/aftermatch/*.java`.
 *
 * @module
 */

import type { PriorityQueue } from "./_priority_queue.ts";
import {
  compareEventRecords,
  type ComputationState,
  type EventRecord,
  type PathMatch,
  UNORDERED,
} from "./computation_state.ts";
import type { AfterMatchSkipStrategy } from "./pattern.ts";

/**
 * Flink: `AfterMatchSkipStrategy#isSkipStrategy`.
 * @returns false only for NO_SKIP
 */
export function isSkipStrategy(strategy: AfterMatchSkipStrategy): boolean {
  return strategy.type !== "NO_SKIP";
}

/**
 * Flink: `AfterMatchSkipStrategy#prune`: discards the runs the strategy skips past.
 * @param runs partial or completed runs to prune in place
 * @param matched the match just emitted
 */
export function prune(
  strategy: AfterMatchSkipStrategy,
  runs: PriorityQueue<ComputationState>,
  matched: PathMatch,
  onPrune?: (run: ComputationState) => void,
): void {
  const pruningId = pruningIdOf(strategy, matched);
  if (pruningId === null) return;
  // Flink: SkipToFirst/SkipToLast prune strictly before; the other strategies up to and including.
  const inclusive = strategy.type === "SKIP_TO_NEXT" || strategy.type === "SKIP_PAST_LAST_EVENT";
  const order = pruningId.order;
  runs.removeIf((run) => {
    if (run.start === null) return false;
    // Ranks order events as EventId does, and need no read of the run's first event.
    const cmp = order !== UNORDERED && run.order !== UNORDERED
      ? run.order - order
      : compareEventRecords(run.start, pruningId);
    if (inclusive ? cmp > 0 : cmp >= 0) return false;
    onPrune?.(run);
    return true;
  });
}

/** Flink: `getPruningId` of each strategy. */
function pruningIdOf(strategy: AfterMatchSkipStrategy, matched: PathMatch): EventRecord | null {
  switch (strategy.type) {
    case "NO_SKIP":
      return null;
    case "SKIP_TO_NEXT":
      return extreme(matched.firsts, -1);
    case "SKIP_PAST_LAST_EVENT":
      return extreme(matched.lasts, 1);
    case "SKIP_TO_FIRST":
    case "SKIP_TO_LAST": {
      // Without throwExceptionOnMiss (the JSON format has no such flag) a missing pattern
      // means no pruning, as in Flink.
      const k = matched.pages.indexOf(strategy.patternName);
      if (k < 0) return null;
      return (strategy.type === "SKIP_TO_FIRST" ? matched.firsts : matched.lasts)[k]!;
    }
  }
}

/** The least (`sign` -1) or greatest (`sign` 1) record, the first of equals. */
function extreme(records: readonly EventRecord[], sign: number): EventRecord | null {
  let best: EventRecord | null = null;
  for (const record of records) {
    if (best === null || sign * compareEventRecords(record, best) > 0) best = record;
  }
  return best;
}
