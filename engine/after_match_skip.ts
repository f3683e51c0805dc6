/**
 * After-match skip strategies. Flink: `nfa/aftermatch/*.java`.
 *
 * @module
 */

import type { PriorityQueue } from "./_priority_queue.ts";
import type { ComputationState } from "./computation_state.ts";
import type { AfterMatchSkipStrategy } from "./pattern.ts";
import {
  compareEventRecords,
  type EventIdMatch,
  type EventRecord,
  type SharedBuffer,
} from "./shared_buffer.ts";

/**
 * Flink: `AfterMatchSkipStrategy#isSkipStrategy`.
 * @returns false only for NO_SKIP
 */
export function isSkipStrategy(strategy: AfterMatchSkipStrategy): boolean {
  return strategy.type !== "NO_SKIP";
}

/**
 * Flink: `AfterMatchSkipStrategy#prune`: discards the runs the strategy skips past and releases
 * their events.
 * @param runs partial or completed runs to prune in place
 * @param matched the match just emitted (a single path)
 * @param buffer the shared buffer of the runs
 */
export function prune(
  strategy: AfterMatchSkipStrategy,
  runs: PriorityQueue<ComputationState>,
  matched: readonly EventIdMatch[],
  buffer: SharedBuffer,
  onPrune?: (run: ComputationState) => void,
): void {
  const pruningId = pruningIdOf(strategy, matched);
  if (pruningId === null) return;
  // Flink: SkipToFirst/SkipToLast prune strictly before; the other strategies up to and including.
  const inclusive = strategy.type === "SKIP_TO_NEXT" || strategy.type === "SKIP_PAST_LAST_EVENT";
  runs.removeIf((run) => {
    if (run.startEvent === null) return false;
    const cmp = compareEventRecords(run.startEvent, pruningId);
    if (inclusive ? cmp > 0 : cmp >= 0) return false;
    buffer.releaseNode(run.previousBufferEntry!, run.version);
    onPrune?.(run);
    return true;
  });
}

/** Flink: `getPruningId` of each strategy. */
function pruningIdOf(
  strategy: AfterMatchSkipStrategy,
  matched: readonly EventIdMatch[],
): EventRecord | null {
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
      for (const match of matched) for (const events of match.values()) pick(events[0]!, false);
      return pruningId;
    case "SKIP_PAST_LAST_EVENT":
      for (const match of matched) {
        for (const events of match.values()) pick(events[events.length - 1]!, true);
      }
      return pruningId;
    case "SKIP_TO_FIRST":
    case "SKIP_TO_LAST":
      // Without throwExceptionOnMiss (the JSON format has no such flag) a missing pattern
      // means no pruning, as in Flink.
      for (const match of matched) {
        const events = match.get(strategy.patternName);
        if (events === undefined || events.length === 0) continue;
        pick(events[strategy.type === "SKIP_TO_FIRST" ? 0 : events.length - 1]!, true);
      }
      return pruningId;
  }
}
