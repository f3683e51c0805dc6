/**
 * The CEP engine: compiles patterns and runs them per key, with Flink CEP's semantics.
 * Pure: no I/O, no timers, no `await`.
 *
 * @example
 * ```ts
 * import { compileNfa, Nfa } from "./engine/mod.ts";
 * const nfa = new Nfa(compileNfa(definition), definition.afterMatchSkipStrategy);
 * const state = nfa.createInitialNfaState();
 * nfa.advanceTime(state, 1);
 * const matches = nfa.process(state, { name: "a" }, 1, 0);
 * ```
 *
 * @module
 */

export * from "./pattern.ts";
export {
  type CompiledNfa,
  compileNfa,
  ENDING_STATE_NAME,
  MalformedPatternError,
  MAX_NFA_STATES,
} from "./nfa_compiler.ts";
export { Nfa } from "./nfa.ts";
export {
  type Match,
  type NfaOutput,
  NfaState,
  type RunEvent,
  type RunListener,
  type TimedOutMatch,
} from "./nfa_state.ts";
export {
  type BufferedSnapshot,
  type EventOrigin,
  KeyedOperator,
  type KeyedOperatorOptions,
  type KeySnapshot,
  OPERATOR_STATE_FORMAT_VERSION,
  type OperatorOutput,
  type OperatorRunEvent,
  type RuleMatch,
  type RuleRef,
  type RuleTimeout,
  type TimeBehaviour,
} from "./keyed_operator.ts";
export { capPartialMatches } from "./partial_match_cap.ts";
export { type WatermarkOptions, WatermarkTracker } from "./watermark.ts";
export {
  NFA_STATE_FORMAT_VERSION,
  type NfaStateSnapshot,
  restoreNfaState,
  type SnapshotCounters,
  type SnapshotEvent,
  snapshotNfaState,
  type SnapshotNode,
  type SnapshotNumber,
} from "./nfa_state_snapshot.ts";
