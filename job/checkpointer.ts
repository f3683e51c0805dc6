/**
 * Durable state for the job: restores partitions' keyed state when they are assigned, takes
 * incremental checkpoints of the operator at batch boundaries, and tells which replayed matches
 * already have their rows. Kafka Streams: `StreamTask#commit` (state, offsets and output in one
 * transaction); Flink: `CheckpointedFunction`. The operator hands out its state as data; the
 * store decides where it goes.
 *
 * A partition's checkpoint is its next offset, its part of the event-time buffer and watermark
 * (`meta`) and the state of each key that arrived through it. Match rows are written with, per
 * partition, the position of the last event whose rows they hold; after a restore, matches of
 * events at or before that position were written before the crash and are not written again.
 *
 * @module
 */

import {
  type KeyedOperator,
  type KeySnapshot,
  OPERATOR_STATE_FORMAT_VERSION,
  type RuleMatch,
  type WatermarkTracker,
} from "../engine/mod.ts";
import {
  type Checkpoint,
  type CheckpointStore,
  compareSinkProgress,
  FencedError,
  type KeyStateChange,
  type Logger,
  type PartitionCheckpoint,
  type PartitionRef,
  type SinkProgress,
  type SourceAssignment,
  type SourcePosition,
  type StartPosition,
} from "../io/mod.ts";

/** The version of `meta` and key states this edgecep writes and reads. */
export const JOB_STATE_FORMAT_VERSION = OPERATOR_STATE_FORMAT_VERSION;

/** Options for {@link Checkpointer}. */
export interface CheckpointerOptions {
  /**
   * Where checkpoints go; `null` keeps state in memory only: partitions are owned from their
   * first batch and each "checkpoint" just commits the offsets handled.
   */
  readonly store: CheckpointStore | null;
  readonly operator: KeyedOperator;
  readonly watermarks: WatermarkTracker;
  /** Who claims partitions, as the checkpoint tables show it. */
  readonly owner: string;
  readonly logger: Logger;
  /** Commits the group's offsets after each checkpoint, so lag tools stay right. */
  readonly commit: (positions: readonly SourcePosition[]) => Promise<void>;
  /** The wall clock, for watermark idleness. */
  readonly now: () => number;
}

/** One source partition this job has seen. */
interface Slot extends PartitionRef {
  /** The operator's group for the partition's keys. */
  readonly group: number;
  readonly name: string;
  owned: boolean;
  /** The next offset to read, once a record of it was handled. */
  nextOffset: string | null;
  /** Matches up to here had their rows written before this process restored the partition. */
  written: SinkProgress | null;
}

/** What `meta` holds for a partition. */
interface PartitionMeta {
  readonly version: number;
  readonly watermark: number | null;
  readonly maxTimestamp: number | null;
  readonly buffered: unknown;
}

/** Tracks partitions, restores them and writes their checkpoints. */
export class Checkpointer {
  readonly #options: CheckpointerOptions;
  readonly #slots: Slot[] = [];
  readonly #byName = new Map<string, Slot>();
  /** Partitions another owner took, found by a write; the loop drops their state. */
  readonly #fenced = new Set<Slot>();

  /** @param options the store, operator, watermarks and owner */
  constructor(options: CheckpointerOptions) {
    this.#options = options;
  }

  /**
   * The slot of a partition, created on first sight.
   * @returns the operator group of the partition's keys, and whether this job owns it
   */
  slot(ref: PartitionRef): { readonly group: number; readonly owned: boolean } {
    return this.#slot(ref);
  }

  #slot(ref: PartitionRef): Slot {
    const name = `${ref.topic}/${ref.partition}`;
    let slot = this.#byName.get(name);
    if (slot === undefined) {
      slot = {
        topic: ref.topic,
        partition: ref.partition,
        group: this.#slots.length,
        name,
        // Without a store no assignment is announced: a partition is this job's when it comes.
        owned: this.#options.store === null,
        nextOffset: null,
        written: null,
      };
      this.#slots.push(slot);
      this.#byName.set(name, slot);
    }
    return slot;
  }

  /**
   * Takes the assigned partitions: claims them (fencing their previous owner), restores their
   * keys, buffered events and watermark, and drops the state of revoked ones.
   * @returns where each assigned partition starts reading
   * @throws {RangeError} if a checkpoint has a format this edgecep cannot read
   */
  async assign(assignment: SourceAssignment): Promise<StartPosition[]> {
    const { operator, store, owner, logger } = this.#options;
    for (const ref of assignment.revoked) this.#release(this.#slot(ref));
    for (const ref of assignment.assigned) {
      this.#options.watermarks.register(this.#slot(ref).name, this.#options.now());
    }
    if (store === null) {
      for (const ref of assignment.assigned) this.#slot(ref).owned = true;
      return assignment.assigned.map((ref) => ({ ...ref, offset: null }));
    }
    if (assignment.assigned.length === 0) return [];
    const restored = await store.claim(assignment.assigned, owner);
    const starts: StartPosition[] = [];
    let keys = 0;
    let buffered = 0;
    for (const partition of restored) {
      const slot = this.#slot(partition);
      this.#fenced.delete(slot);
      operator.dropGroup(slot.group);
      slot.owned = true;
      slot.nextOffset = partition.nextOffset;
      slot.written = partition.sinkProgress;
      for (const [key, text] of partition.states) {
        operator.restoreKey(key, slot.group, parseJson<KeySnapshot>(text, slot, `key "${key}"`));
        keys++;
      }
      if (partition.meta !== null) buffered += this.#restoreMeta(slot, partition.meta);
      starts.push({ topic: slot.topic, partition: slot.partition, offset: partition.nextOffset });
    }
    logger.log("info", "partitions restored from the checkpoint", {
      partitions: restored.map((p) => `${p.topic}/${p.partition}@${p.nextOffset ?? "start"}`),
      keys,
      buffered,
    });
    return starts;
  }

  #restoreMeta(slot: Slot, text: string): number {
    const meta = parseJson<PartitionMeta>(text, slot, "meta");
    if (meta.version !== JOB_STATE_FORMAT_VERSION) {
      throw new RangeError(
        `Cannot restore partition "${slot.name}": its checkpoint has state format version ` +
          `"${meta.version}", this edgecep reads ${JOB_STATE_FORMAT_VERSION}`,
      );
    }
    const { operator, watermarks, now } = this.#options;
    if (meta.maxTimestamp !== null) watermarks.observe(slot.name, meta.maxTimestamp, now());
    if (meta.watermark !== null) operator.restoreWatermark(meta.watermark);
    return operator.restoreBuffered(slot.group, meta.buffered);
  }

  #release(slot: Slot): void {
    slot.owned = false;
    slot.nextOffset = null;
    slot.written = null;
    this.#options.operator.dropGroup(slot.group);
    this.#options.watermarks.forget(slot.name);
  }

  /**
   * Notes that a batch of a partition was handled up to `lastOffset`.
   * @param group the partition's group
   * @param lastOffset the offset of its last record
   */
  handled(group: number, lastOffset: string): void {
    this.#slots[group]!.nextOffset = (BigInt(lastOffset) + 1n).toString();
  }

  /**
   * Whether a match's row was written before the restore of its partition: the match's event is
   * at or before the partition's written progress. Matches that a timer completed have no event
   * and are always written (at least once).
   */
  written(match: RuleMatch, eventTime: boolean): boolean {
    const written = this.#slots[match.group]?.written;
    if (written == null || match.position < 0) return false;
    return compareSinkProgress(progressOf(match, eventTime), written) <= 0;
  }

  /**
   * The progress a match's row carries.
   * @param match a match completed by an event
   * @param eventTime whether positions order by event time first
   */
  progressOf(match: RuleMatch, eventTime: boolean): SinkProgress {
    const slot = this.#slots[match.group]!;
    return { topic: slot.topic, partition: slot.partition, ...progressOf(match, eventTime) };
  }

  /** The partition of an operator group. */
  partitionOf(group: number): PartitionRef {
    const { topic, partition } = this.#slots[group]!;
    return { topic, partition };
  }

  /**
   * Partitions that a write found claimed by another owner since the last call: the caller
   * stops handling them (their state is already dropped).
   */
  takeFenced(): PartitionRef[] {
    const fenced = [...this.#fenced];
    this.#fenced.clear();
    for (const slot of fenced) this.#release(slot);
    return fenced;
  }

  /**
   * Marks partitions as taken by another owner, after a write was fenced.
   * @param error the refusal
   */
  fence(error: FencedError): void {
    for (const ref of error.partitions) {
      const slot = this.#byName.get(`${ref.topic}/${ref.partition}`);
      if (slot !== undefined && slot.owned) this.#fenced.add(slot);
    }
    this.#options.logger.log("warn", "partitions were claimed by another instance, dropping them", {
      partitions: error.partitions.map((p) => `${p.topic}/${p.partition}`),
    });
  }

  /**
   * Takes a checkpoint of every owned partition, now, between two batches: the keys changed
   * since the last one, each partition's buffered events and watermark, and its next offset.
   * @returns writes it (and then commits the group's offsets); call after every row the
   *   partitions' earlier events produced is written
   */
  capture(): () => Promise<void> {
    const { operator, watermarks, store } = this.#options;
    if (store === null) {
      const handled = this.#slots.filter((slot) => slot.owned && slot.nextOffset !== null)
        .map((slot) => ({
          topic: slot.topic,
          partition: slot.partition,
          nextOffset: slot.nextOffset!,
        }));
      return () => this.#commit(handled);
    }
    const partitions: PartitionCheckpoint[] = [];
    for (const slot of this.#slots) {
      if (!slot.owned || slot.nextOffset === null || this.#fenced.has(slot)) continue;
      const meta: PartitionMeta = {
        version: JOB_STATE_FORMAT_VERSION,
        watermark: finiteOrNull(operator.watermark),
        maxTimestamp: finiteOrNull(watermarks.maxTimestamp(slot.name)),
        buffered: operator.snapshotBuffered(slot.group),
      };
      partitions.push({
        topic: slot.topic,
        partition: slot.partition,
        nextOffset: slot.nextOffset,
        meta: JSON.stringify(meta),
      });
    }
    const keys: KeyStateChange[] = [];
    for (const { key, group } of operator.takeChangedKeys()) {
      const slot = this.#slots[group];
      if (slot === undefined || !slot.owned) continue;
      const snapshot = operator.snapshotKey(key);
      keys.push({
        topic: slot.topic,
        partition: slot.partition,
        key,
        state: snapshot === null ? null : JSON.stringify(snapshot),
      });
    }
    return () => this.#write(store, { partitions, keys });
  }

  async #write(store: CheckpointStore, checkpoint: Checkpoint): Promise<void> {
    let pending = checkpoint;
    for (;;) {
      if (pending.partitions.length === 0 && pending.keys.length === 0) return;
      try {
        await store.write(pending);
        break;
      } catch (error) {
        if (!(error instanceof FencedError)) throw error;
        this.fence(error);
        // The rest of the checkpoint is still this job's to write.
        const lost = new Set(error.partitions.map((p) => `${p.topic}/${p.partition}`));
        const mine = (p: PartitionRef) => !lost.has(`${p.topic}/${p.partition}`);
        pending = { partitions: pending.partitions.filter(mine), keys: pending.keys.filter(mine) };
      }
    }
    await this.#commit(pending.partitions);
  }

  /** Commits the group's offsets: the last handled record of each partition. */
  async #commit(partitions: readonly { topic: string; partition: number; nextOffset: string }[]) {
    const positions = partitions
      .filter((p) => p.nextOffset !== "0")
      .map((p) => ({
        topic: p.topic,
        partition: p.partition,
        offset: (BigInt(p.nextOffset) - 1n).toString(),
      }));
    if (positions.length > 0) await this.#options.commit(positions);
  }
}

function progressOf(
  match: RuleMatch,
  eventTime: boolean,
): Pick<SinkProgress, "eventTime" | "offset"> {
  return { eventTime: eventTime ? match.timestamp : 0, offset: String(match.position) };
}

function finiteOrNull(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

function parseJson<T>(text: string, slot: Slot, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new SyntaxError(
      `Cannot restore partition "${slot.name}": its checkpointed ${what} is not valid JSON`,
      { cause: error },
    );
  }
}
