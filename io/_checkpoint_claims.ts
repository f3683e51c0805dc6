/**
 * The epochs one checkpoint store claimed, and the checks of what it writes against them: the
 * arguments, then the fence on the partition rows a transaction locked.
 *
 * @module
 */

import {
  type Checkpoint,
  FencedError,
  type PartitionRef,
  type SinkProgress,
} from "./checkpoint_store.ts";
import { partitionId, partitionLabel, type StoredPartition } from "./_checkpoint_shared.ts";

/** The widest topic and key the tables hold, in UTF-8 bytes (VARBINARY(1024) in MySQL). */
const MAX_NAME_BYTES = 1_024;
const MAX_OFFSET = 2n ** 63n - 1n;
const encoder = new TextEncoder();

/** The epochs one store claimed, and the checks of what it writes against them. */
export class ClaimedEpochs {
  readonly #group: string;
  readonly #epochs = new Map<string, string>();

  /**
   * Creates an empty set of claims.
   * @param group the consumer group, for messages
   */
  constructor(group: string) {
    this.#group = group;
  }

  /**
   * Checks the partitions of a claim.
   * @param partitions the partitions
   * @param owner who claims them
   * @throws {RangeError} if a partition is invalid or given twice, or the owner is too long
   */
  checkClaim(partitions: readonly PartitionRef[], owner: string): void {
    if (owner.length > 255) {
      throw new RangeError(`Invalid checkpoint owner "${owner}": at most 255 characters`);
    }
    const seen = new Set<string>();
    for (const ref of partitions) {
      checkPartition(ref);
      if (seen.has(partitionId(ref))) {
        throw new RangeError(`Cannot claim partition "${partitionLabel(ref)}" twice in one call`);
      }
      seen.add(partitionId(ref));
    }
  }

  /**
   * Records the epoch a claim committed.
   * @param ref the partition
   * @param epoch its new epoch
   */
  set(ref: PartitionRef, epoch: string): void {
    this.#epochs.set(partitionId(ref), epoch);
  }

  /**
   * Checks a checkpoint and lists its partitions.
   * @param checkpoint the checkpoint
   * @returns each partition it touches once
   * @throws {RangeError} if an offset, topic or key is invalid or a partition was not claimed
   */
  partitionsOf(checkpoint: Checkpoint): PartitionRef[] {
    const refs = new Map<string, PartitionRef>();
    for (const p of checkpoint.partitions) {
      checkOffset(p.nextOffset, `next offset of "${partitionLabel(p)}"`);
      this.#add(refs, p);
    }
    for (const change of checkpoint.keys) {
      // Most keys are short: counting bytes is needed only when 3 bytes a unit could overflow.
      if (change.key.length > MAX_NAME_BYTES / 3 && byteLength(change.key) > MAX_NAME_BYTES) {
        throw new RangeError(
          `Invalid state key "${change.key.slice(0, 40)}…": at most ${MAX_NAME_BYTES} bytes`,
        );
      }
      this.#add(refs, change);
    }
    return [...refs.values()];
  }

  /**
   * Checks sink progress against rows and claims.
   * @param rowCount how many rows come with it
   * @param progress the progress
   * @returns each progress' partition
   * @throws {RangeError} if rows come without progress, or a position is invalid, given twice
   *   or of a partition not claimed
   */
  partitionsOfProgress(rowCount: number, progress: readonly SinkProgress[]): PartitionRef[] {
    if (rowCount > 0 && progress.length === 0) {
      throw new RangeError(
        `Cannot write ${rowCount} match rows to group "${this.#group}" without sink progress`,
      );
    }
    const refs = new Map<string, PartitionRef>();
    for (const p of progress) {
      if (refs.has(partitionId(p))) {
        throw new RangeError(`Invalid sink progress: "${partitionLabel(p)}" is given twice`);
      }
      if (!Number.isSafeInteger(p.eventTime)) {
        throw new RangeError(
          `Invalid sink progress of "${partitionLabel(p)}": event time "${p.eventTime}"`,
        );
      }
      checkOffset(p.offset, `sink progress offset of "${partitionLabel(p)}"`);
      this.#add(refs, p);
    }
    return [...refs.values()];
  }

  /**
   * The fence check, on rows the transaction locked.
   * @param wanted the partitions written
   * @param stored their rows, as locked
   * @throws {FencedError} if any partition has another epoch or no row any more
   */
  assertCurrent(wanted: readonly PartitionRef[], stored: readonly StoredPartition[]): void {
    const rows = new Map(stored.map((row) => [partitionId(row), row]));
    const fenced: PartitionRef[] = [];
    const labels: string[] = [];
    for (const ref of wanted) {
      const row = rows.get(partitionId(ref));
      if (row !== undefined && row.epoch === this.#epochs.get(partitionId(ref))) continue;
      fenced.push(ref);
      labels.push(
        `"${partitionLabel(ref)}" ` +
          (row === undefined ? "(its row is gone)" : `(now "${row.owner}")`),
      );
    }
    if (fenced.length > 0) {
      throw new FencedError(
        `Cannot write to the checkpoint of group "${this.#group}": another owner claimed ` +
          labels.join(", "),
        fenced,
      );
    }
  }

  #add(refs: Map<string, PartitionRef>, ref: PartitionRef): void {
    const id = partitionId(ref);
    if (refs.has(id)) return;
    if (!this.#epochs.has(id)) {
      checkPartition(ref);
      throw new RangeError(
        `Cannot write to the checkpoint of group "${this.#group}": partition ` +
          `"${partitionLabel(ref)}" was not claimed by this store`,
      );
    }
    refs.set(id, { topic: ref.topic, partition: ref.partition });
  }
}

function checkPartition(ref: PartitionRef): void {
  if (typeof ref.topic !== "string" || ref.topic === "" || byteLength(ref.topic) > MAX_NAME_BYTES) {
    throw new RangeError(
      `Invalid topic "${String(ref.topic).slice(0, 40)}": 1..${MAX_NAME_BYTES} bytes`,
    );
  }
  if (!Number.isInteger(ref.partition) || ref.partition < 0 || ref.partition > 2 ** 31 - 1) {
    throw new RangeError(`Invalid partition "${ref.partition}" of topic "${ref.topic}"`);
  }
}

function checkOffset(offset: string, what: string): void {
  if (!/^\d{1,19}$/.test(offset) || BigInt(offset) > MAX_OFFSET) {
    throw new RangeError(`Invalid ${what} "${offset}": expected a decimal 64-bit offset >= 0`);
  }
}

function byteLength(text: string): number {
  return encoder.encode(text).length;
}
