/**
 * What the checkpoint stores share about partition rows: identities, the format check, sink
 * progress, what a claim returns and how failures are reported.
 *
 * @module
 */

import { RetryAbortedError } from "./backoff.ts";
import {
  CHECKPOINT_TABLES_VERSION,
  type CheckpointTables,
  compareSinkProgress,
  FencedError,
  type PartitionRef,
  type RestoredPartition,
  type SinkProgress,
} from "./checkpoint_store.ts";

/** A partition's row as a transaction locked it. */
export interface StoredPartition extends PartitionRef {
  readonly epoch: string;
  readonly owner: string;
  readonly nextOffset: string | null;
  readonly meta: string | null;
  /** `null` until a match row was written through the store. */
  readonly sinkProgress: Pick<SinkProgress, "eventTime" | "offset"> | null;
}

/**
 * A partition's identity in maps.
 * @param ref the partition
 * @returns a string unique per (topic, partition)
 */
export function partitionId(ref: PartitionRef): string {
  return `${ref.partition}/${ref.topic}`;
}

/**
 * A partition as messages show it.
 * @param ref the partition
 * @returns e.g. `events/3`
 */
export function partitionLabel(ref: PartitionRef): string {
  return `${ref.topic}/${ref.partition}`;
}

/**
 * Checks a stored format against this edgecep's.
 * @param group the consumer group, for the message
 * @param stored the versions in the format table
 * @param stateVersion the state format this edgecep reads
 * @throws {RangeError} naming both versions if either differs
 */
export function checkFormat(
  group: string,
  stored: { readonly tables: number; readonly state: number },
  stateVersion: number,
): void {
  const advice = "; run the edgecep that wrote it, or drop the group's checkpoint tables to " +
    "start afresh (see the README's Checkpoints)";
  if (stored.tables !== CHECKPOINT_TABLES_VERSION) {
    throw new RangeError(
      `Cannot use the checkpoint of group "${group}": its tables have format version ` +
        `"${stored.tables}", this edgecep reads version "${CHECKPOINT_TABLES_VERSION}"${advice}`,
    );
  }
  if (stored.state !== stateVersion) {
    throw new RangeError(
      `Cannot use the checkpoint of group "${group}": its state has format version ` +
        `"${stored.state}", this edgecep reads version "${stateVersion}"${advice}`,
    );
  }
}

/**
 * Checks a state format version given to a store.
 * @param version the version
 * @throws {RangeError} unless a whole number in 1..2^31-1
 */
export function checkStateVersion(version: number): void {
  if (!Number.isInteger(version) || version < 1 || version > 2 ** 31 - 1) {
    throw new RangeError(`Invalid state format version "${version}": expected 1..2147483647`);
  }
}

/**
 * The positions that move a partition's sink progress forward.
 * @param progress the new positions
 * @param stored the partitions' rows, as locked
 * @returns the positions after the stored ones; none when the batch was written already
 */
export function advancedProgress(
  progress: readonly SinkProgress[],
  stored: readonly StoredPartition[],
): SinkProgress[] {
  const rows = new Map(stored.map((row) => [partitionId(row), row]));
  return progress.filter((p) => {
    const before = rows.get(partitionId(p))?.sinkProgress ?? null;
    return before === null || compareSinkProgress(p, before) > 0;
  });
}
/**
 * What a claim returns for a partition.
 * @param stored the partition's row after the claim
 * @param states its keys' states
 * @returns the restored partition
 */
export function restoredPartition(
  stored: StoredPartition,
  states: ReadonlyMap<string, string>,
): RestoredPartition {
  const ref = { topic: stored.topic, partition: stored.partition };
  return {
    ...ref,
    nextOffset: stored.nextOffset,
    meta: stored.meta,
    sinkProgress: stored.sinkProgress === null ? null : { ...ref, ...stored.sinkProgress },
    states,
  };
}

/**
 * Rethrows a store failure: argument and fence errors as they are, anything else wrapped with
 * what the store was doing; a retry cut short by `close()` says so.
 * @param error what the operation threw
 * @param describe the driver's one-line description of a failure
 * @param wrap makes the error from the reason and cause
 * @throws always
 */
export function rethrowStoreError(
  error: unknown,
  describe: (error: unknown) => string,
  wrap: (reason: string, cause: unknown) => Error,
): never {
  if (error instanceof RangeError || error instanceof FencedError) throw error;
  if (error instanceof RetryAbortedError) {
    throw wrap("the store was closed while retrying", error.cause);
  }
  throw wrap(describe(error), error);
}

/** The quoted names of one group's tables. */
export type QuotedTables = { readonly [K in keyof CheckpointTables]: string };

/**
 * Quotes each table name.
 * @param tables plain identifiers
 * @returns the names in backticks
 */
export function quoteTables(tables: CheckpointTables): QuotedTables {
  return {
    format: `\`${tables.format}\``,
    partitions: `\`${tables.partitions}\``,
    state: `\`${tables.state}\``,
  };
}
