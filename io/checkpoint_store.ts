/**
 * The boundary between the job's checkpoints and the database that keeps them: source offsets,
 * each key's state and the match rows' progress, written in the database's own transactions.
 * The states are opaque text (JSON made by the engine): nothing here knows of NFAs.
 *
 * Kafka Streams: `ProcessorStateManager` and `StreamTask#commit` (state, changelog and offsets
 * committed together); Flink: `CheckpointedFunction` (snapshot and restore as plain data).
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { PartitionRef } from "./event_source.ts";

export type { PartitionRef };
import type { MatchRow } from "./match_sink.ts";

/**
 * How far the match rows of a partition go: the rows of every event up to and including this
 * position are written. Positions order by (`eventTime`, `offset`): in event time events are
 * released in timestamp order; in processing time `eventTime` is 0.
 */
export interface SinkProgress extends PartitionRef {
  /** Milliseconds, a safe integer. */
  readonly eventTime: number;
  /** A Kafka offset: a decimal string, since offsets are 64-bit. */
  readonly offset: string;
}

/** What a checkpoint holds for one partition besides its keys. */
export interface PartitionCheckpoint extends PartitionRef {
  /** The next offset to read, a decimal string. */
  readonly nextOffset: string;
  /** Opaque operator data for the partition (event-time buffer, watermark): JSON text. */
  readonly meta: string;
}

/** One key's new state, or `null` when the key emptied and its row is deleted. */
export interface KeyStateChange extends PartitionRef {
  /** At most 1 024 bytes in UTF-8. */
  readonly key: string;
  readonly state: string | null;
}

/** What one {@link CheckpointStore.write} stores: only the keys changed since the last one. */
export interface Checkpoint {
  readonly partitions: readonly PartitionCheckpoint[];
  /** A key given twice takes its last change. */
  readonly keys: readonly KeyStateChange[];
}

/** A partition's state as the last checkpoint left it. */
export interface RestoredPartition extends PartitionRef {
  /** `null`: never checkpointed. */
  readonly nextOffset: string | null;
  readonly meta: string | null;
  /** `null`: no match row was ever written through the store. */
  readonly sinkProgress: SinkProgress | null;
  /** Key to state. */
  readonly states: ReadonlyMap<string, string>;
}

/**
 * Where checkpoints live. Each owner claims its partitions, which fences every earlier owner:
 * a write that touches a partition claimed by someone else since is refused whole.
 */
export interface CheckpointStore {
  /**
   * Creates the tables when missing and checks their stored format version. Transient failures
   * are retried until it succeeds or the store is closed.
   * @throws {RangeError} if the tables hold a format version this edgecep cannot read
   */
  open(): Promise<void>;
  /**
   * Takes ownership of partitions: bumps each one's epoch, so that any earlier owner's later
   * writes are refused, and returns their checkpointed state.
   * @param partitions the partitions assigned to this owner
   * @param owner who claims them, for operators reading the table (e.g. host and member id)
   * @returns one entry per partition, in the order given
   */
  claim(partitions: readonly PartitionRef[], owner: string): Promise<RestoredPartition[]>;
  /**
   * Stores a checkpoint in one transaction: each partition's next offset and meta, and the
   * changed keys' states (upserted, or deleted when `null`). Call it only once the match rows of
   * every event before `nextOffset` that the states and meta no longer hold are written: a
   * restore resumes from here.
   * @throws {FencedError} if another owner claimed any of the partitions since; nothing is
   *   written then
   */
  write(checkpoint: Checkpoint): Promise<void>;
  /**
   * Writes match rows and advances each partition's sink progress in one transaction. A batch
   * whose every progress is at or before the stored one is taken as already written (the retry
   * of a commit whose answer was lost, or a replay) and skipped: that is what makes rows exactly
   * once, also in a table without a primary key.
   * @param rows the rows of the events up to `progress`
   * @param progress the position of the last event whose rows are in `rows`, per partition;
   *   required when there are rows
   * @throws {FencedError} if another owner claimed any of the partitions since; nothing is
   *   written then
   * @throws {SinkWriteError} with every row if the database refuses them for good; nothing is
   *   written then
   */
  writeMatches(rows: readonly MatchRow[], progress: readonly SinkProgress[]): Promise<void>;
  /** Stops retrying (pending calls reject), waits for the transactions in flight, disconnects. */
  close(): Promise<void>;
}

/**
 * A write refused because another owner claimed some of its partitions since this store did:
 * this owner's view of them is stale, and nothing of the write was stored.
 */
export class FencedError extends Error {
  /** The partitions claimed by another owner. */
  readonly partitions: readonly PartitionRef[];

  /**
   * Creates the error.
   * @param message which group and partitions, and who owns them now
   * @param partitions the partitions claimed by another owner
   */
  constructor(message: string, partitions: readonly PartitionRef[]) {
    super(message);
    this.name = "FencedError";
    this.partitions = partitions;
  }
}

/** The version of the checkpoint tables' layout that this edgecep reads and writes. */
export const CHECKPOINT_TABLES_VERSION = 1;

/** The names of a consumer group's checkpoint tables. */
export interface CheckpointTables {
  /** One row: the tables' layout version and the state format version. */
  readonly format: string;
  /** One row per partition: owner and epoch, next offset, meta, sink progress. */
  readonly partitions: string;
  /** One row per key with state: topic, partition, key, state. */
  readonly state: string;
}

/** The longest table suffix, `_partitions`, must fit MySQL's 64-character identifiers. */
const MAX_BASE_LENGTH = 64 - "_partitions".length;

/**
 * Names a consumer group's checkpoint tables `edgecep_<group>_format`, `…_partitions` and
 * `…_state`. A group of lower-case letters, digits and `_` short enough is used as is; any other
 * is lower-cased, has other characters replaced by `_`, is cut to fit and gets the first 8 hex
 * digits of its SHA-256, so that two groups never share tables, not even on a server whose table
 * names ignore case.
 * @param group the consumer group
 * @returns the three table names, plain identifiers of at most 64 characters
 * @throws {RangeError} if the group is empty
 */
export function checkpointTableNames(group: string): CheckpointTables {
  if (group === "") throw new RangeError('Invalid consumer group "": it is empty');
  let base = `edgecep_${group}`;
  if (!/^[a-z0-9_]+$/.test(group) || base.length > MAX_BASE_LENGTH) {
    const hash = createHash("sha256").update(group).digest("hex").slice(0, 8);
    const readable = group.toLowerCase().replace(/[^a-z0-9_]+/g, "_");
    base = `edgecep_${readable}`.slice(0, MAX_BASE_LENGTH - 9) + `_${hash}`;
  }
  return { format: `${base}_format`, partitions: `${base}_partitions`, state: `${base}_state` };
}

/**
 * Orders two positions of one partition by (`eventTime`, `offset`).
 * @param a a position
 * @param b another position
 * @returns negative if `a` comes first, 0 if equal, positive if `b` comes first
 */
export function compareSinkProgress(
  a: Pick<SinkProgress, "eventTime" | "offset">,
  b: Pick<SinkProgress, "eventTime" | "offset">,
): number {
  if (a.eventTime !== b.eventTime) return a.eventTime < b.eventTime ? -1 : 1;
  const x = BigInt(a.offset);
  const y = BigInt(b.offset);
  return x === y ? 0 : x < y ? -1 : 1;
}
