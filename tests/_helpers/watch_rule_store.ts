/**
 * Drives a {@link RuleStore}'s watch one snapshot at a time, as the job does.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { RuleSet, RuleStore } from "../../io/rule_store.ts";

/** A running watch; `await using` stops it. */
export interface RuleStoreWatch extends AsyncDisposable {
  /** The store being watched. */
  readonly store: RuleStore;
  /** Aborts the watch's signal. */
  readonly controller: AbortController;
  /** The watch itself, for tests that check how it ends. */
  readonly snapshots: AsyncIterator<RuleSet>;
  /** The next snapshot; fails the test if the watch has ended. */
  next(): Promise<RuleSet>;
  /** Aborts the watch, ends the iterator and closes the store. */
  stop(): Promise<void>;
}

/**
 * Starts watching `store`.
 * @param store the store; it is closed by {@link RuleStoreWatch.stop}
 * @returns the running watch
 */
export function watchRuleStore(store: RuleStore): RuleStoreWatch {
  const controller = new AbortController();
  const snapshots = store.watch({ signal: controller.signal })[Symbol.asyncIterator]();
  const next = async (): Promise<RuleSet> => {
    const result = await snapshots.next();
    assert(!result.done, "the watch ended");
    return result.value;
  };
  const stop = async () => {
    controller.abort();
    await snapshots.return?.();
    await store.close();
  };
  return { store, controller, snapshots, next, stop, [Symbol.asyncDispose]: stop };
}
