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
  runs.removeIf((run) => {
    if (run.start === null) return false;
    const cmp = compareEventRecords(run.start, pruningId);
    if (inclusive ? cmp > 0 : cmp >= 0) return false;
    onPrune?.(run);
    return true;
  });
}

/** Flink: `getPruningId` of each strategy. */
function pruningIdOf(strategy: AfterMatchSkipStrategy, matched: PathMatch): EventRecord | null {
  let pruningId: EventRecord | null = null;
  const pick = (candidate: EventRecord, max: boolean) => {
    if (pruningId === null) pruningId = candidate;
    else {
      const cmp = compareEventRecords(candidate, pruningId);
      if (max ? cmp > 0 : cmp < 0) pruningId = candidate;
    }
  };
  switch (strategy.type) {
    case "NO_SKIP":
      return null;
    case "SKIP_TO_NEXT":
      for (const events of matched.values()) pick(events[0]!, false);
      return pruningId;
    case "SKIP_PAST_LAST_EVENT":
      for (const events of matched.values()) pick(events[events.length - 1]!, true);
      return pruningId;
    case "SKIP_TO_FIRST":
    case "SKIP_TO_LAST": {
      // Without throwExceptionOnMiss (the JSON format has no such flag) a missing pattern
      // means no pruning, as in Flink.
      const events = matched.get(strategy.patternName);
      if (events === undefined || events.length === 0) return null;
      return events[strategy.type === "SKIP_TO_FIRST" ? 0 : events.length - 1]!;
    }
  }
}
