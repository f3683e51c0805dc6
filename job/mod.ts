/**
 * job: the streaming job as one async-iterator pipeline, its flags, rule diffing, the reference
 * demo's output and the job's metrics. It joins `engine/`, `rules/` and `io/`.
 *
 * @example
 * ```ts
 * import { parseJobFlags, runJob } from "./job/mod.ts";
 * const flags = parseJobFlags(Deno.args);
 * ```
 *
 * @module
 */

export { formatEvent, formatMatchLine, toMatchRow } from "./demo_output.ts";
export {
  envName,
  type FlagSpec,
  helpText,
  JOB_FLAGS,
  type JobFlags,
  parseJobFlags,
  readFlagPairs,
  type RuleStoreConfig,
  type SourceConfig,
  USAGE,
  UsageError,
} from "./flags.ts";
export { merge, type MergeOptions, ticks } from "./merge.ts";
export { type GaugeReader, LABEL_SEPARATOR, Metrics } from "./metrics.ts";
export {
  compileRuleRow,
  DEMO_PROCESS_FUNCTION,
  type RuleChanges,
  RuleRegistry,
  type RuleRegistryOptions,
} from "./rule_registry.ts";
export {
  Checkpointer,
  type CheckpointerOptions,
  JOB_STATE_FORMAT_VERSION,
} from "./checkpointer.ts";
export {
  type JobCheckpoints,
  type JobOptions,
  type JobStateBounds,
  type JobSummary,
  runJob,
} from "./run_job.ts";
export { VERSION } from "./version.ts";
