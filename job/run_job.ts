/**
 * The streaming job as one async-iterator pipeline: source batches, rule-table snapshots and
 * clock ticks are merged into a single loop that parses events, assigns watermarks, drives the
 * keyed CEP operator and hands each batch's match lines, rows and safe commit positions to the
 * output stage, which writes them while the loop goes on with the next batch.
 *
 * @module
 */

import {
  type EventOrigin,
  KeyedOperator,
  type OperatorOutput,
  type TimeBehaviour,
  type WatermarkOptions,
  WatermarkTracker,
} from "../engine/mod.ts";
import {
  type CheckpointStore,
  createEventParser,
  type EventFields,
  type EventFormat,
  type EventSource,
  FencedError,
  type Logger,
  type MatchRow,
  type MatchSink,
  type PartitionRef,
  type RuleSet,
  type RuleStore,
  type SinkProgress,
  type SourceBatch,
  type SourceItem,
  type SourcePosition,
} from "../io/mod.ts";
import type { ConditionRegistry } from "../rules/mod.ts";
import { formatMatchLine, toMatchRow } from "./demo_output.ts";
import { declareJobMetrics } from "./job_metrics.ts";
import { merge, ticks } from "./merge.ts";
import type { Metrics } from "./metrics.ts";
import { OutputWriter } from "./output_writer.ts";
import { Checkpointer } from "./checkpointer.ts";
import { type RuleChanges, RuleRegistry } from "./rule_registry.ts";

/** Options for {@link runJob}. */
export interface JobOptions {
  readonly source: EventSource;
  readonly ruleStore: RuleStore;
  /** Where match rows go; `null` prints only. */
  readonly sink: MatchSink | null;
  readonly timeBehaviour: TimeBehaviour;
  readonly watermark: WatermarkOptions;
  readonly eventFormat: EventFormat;
  /** Column order and names of events (`--eventFields`); defaults to the demo's. */
  readonly eventFields?: EventFields;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Receives the match lines of a batch at once (stdout in production). */
  readonly print: (lines: readonly string[]) => void | Promise<void>;
  /** Stops the job; what was read is finished and committed first. */
  readonly signal: AbortSignal;
  readonly conditions?: ConditionRegistry;
  /** Called after each rule snapshot is applied, the first one included (for `/readyz`). */
  readonly onRulesApplied?: (changes: RuleChanges) => void;
  /** The wall clock; injected by tests. */
  readonly now?: () => number;
  /** How often windows, idle partitions and commits are checked; default 200 ms. */
  readonly tickMs?: number;
  /** Matches written but not yet durable beyond which reading waits; default 10 000. */
  readonly maxPendingMatches?: number;
  /**
   * Where checkpoints go, or `null`: then nothing of the operator's state survives a restart,
   * rows go to `sink` (at least once) and offsets are committed as records are handled.
   */
  readonly checkpoints?: JobCheckpoints | null;
  /** Time between checkpoints (or, without them, offset commits); default 5 000 ms. */
  readonly checkpointIntervalMs?: number;
  /** Default: no bounds. */
  readonly stateBounds?: JobStateBounds;
}

/** Opt-in bounds on the operator's state (off by default, as in Flink). */
export interface JobStateBounds {
  /** A key's partial matches are dropped after this long without an event; `null`: never. */
  readonly ttlMs: number | null;
  /** At most this many partial matches per key and rule, oldest dropped first; `null`: no cap. */
  readonly maxPartialMatchesPerKey: number | null;
}

/** A checkpointed job's store, and who it is to the store. */
export interface JobCheckpoints {
  readonly store: CheckpointStore;
  /** Who claims partitions, e.g. host and process id. */
  readonly owner: string;
}

/** Totals of a finished run. */
export interface JobSummary {
  readonly eventsIn: number;
  readonly malformed: number;
  readonly late: number;
  readonly matches: number;
}

/** A match row with the partition of its key, to drop it if another instance takes that. */
type PartitionedRow = MatchRow & PartitionRef;

type Item =
  | { readonly type: "source"; readonly item: SourceItem }
  | { readonly type: "end" }
  | { readonly type: "rules"; readonly rules: RuleSet }
  | { readonly type: "tick" };

async function* tag<T, U>(
  source: AsyncIterable<T>,
  map: (value: T) => U,
  end?: U,
): AsyncGenerator<U> {
  for await (const value of source) yield map(value);
  if (end !== undefined) yield end;
}

/** Logs the first malformed records, then one summary per interval, never one line per record. */
class MalformedReporter {
  #logged = 0;
  #suppressed = 0;
  #lastSummary = 0;
  constructor(readonly logger: Logger, readonly now: () => number) {}
  report(at: SourcePosition, reason: string): void {
    if (this.#logged < 10) {
      this.#logged++;
      this.logger.log("warn", "malformed event skipped", { ...at, reason });
      return;
    }
    this.#suppressed++;
    if (this.now() - this.#lastSummary >= 10_000) {
      this.logger.log("warn", "malformed events skipped", {
        count: this.#suppressed,
        last: { ...at, reason },
      });
      this.#suppressed = 0;
      this.#lastSummary = this.now();
    }
  }
}

/**
 * Runs the job until the source ends or the signal aborts.
 * @returns totals
 * @throws {SinkWriteError} when the sink refuses rows for good: offsets stay uncommitted, so a
 *   restart re-reads them
 */
export async function runJob(options: JobOptions): Promise<JobSummary> {
  const { source, ruleStore, sink, logger, metrics } = options;
  const now = options.now ?? Date.now;
  const eventTime = options.timeBehaviour === "EventTime";
  const ttlMs = options.stateBounds?.ttlMs ?? null;
  const cap = options.stateBounds?.maxPartialMatchesPerKey ?? null;
  const checkpoints = options.checkpoints ?? null;
  const operator = new KeyedOperator({
    timeBehaviour: options.timeBehaviour,
    trackChanges: checkpoints !== null,
    ...(cap === null ? {} : { maxPartialMatchesPerKey: cap }),
  });
  const registry = new RuleRegistry({
    operator,
    logger,
    ...(options.conditions === undefined ? {} : { conditions: options.conditions }),
  });
  const watermarks = new WatermarkTracker(options.watermark);
  const checkpointer = new Checkpointer({
    store: checkpoints?.store ?? null,
    operator,
    watermarks,
    owner: checkpoints?.owner ?? "",
    logger,
    commit: (positions) => source.commit(positions),
    now,
  });
  const malformed = new MalformedReporter(logger, now);
  const output = new OutputWriter({
    print: options.print,
    writeRows: checkpoints !== null
      ? (batch, progress) => writeMatches(checkpoints.store, batch as PartitionedRow[], progress)
      : sink === null
      ? null
      : (batch) => sink.write(batch),
    ...(options.maxPendingMatches === undefined
      ? {}
      : { maxPendingMatches: options.maxPendingMatches }),
  });
  declareJobMetrics(metrics, { operator, registry, watermarks, now, sink, source, ruleStore });
  const applied = (changes: RuleChanges) => {
    metrics.add("edgecep_rules_rejected_total", changes.rejected.length);
    options.onRulesApplied?.(changes);
  };
  const totals = { eventsIn: 0, malformed: 0, late: 0, matches: 0 };
  // What the current batch produced, handed to the output stage as one chunk.
  let lines: string[] = [];
  let rows: (MatchRow | PartitionedRow)[] = [];
  let progress = new Map<number, SinkProgress>();

  /** Writes rows exactly once; rows of partitions another instance took are its to write. */
  const writeMatches = async (
    store: CheckpointStore,
    batch: PartitionedRow[],
    written: readonly SinkProgress[],
  ) => {
    for (;;) {
      try {
        return await store.writeMatches(batch, written);
      } catch (error) {
        if (!(error instanceof FencedError)) throw error;
        checkpointer.fence(error);
        const lost = new Set(error.partitions.map((p) => `${p.topic}/${p.partition}`));
        const mine = (p: PartitionRef) => !lost.has(`${p.topic}/${p.partition}`);
        batch = batch.filter(mine);
        written = written.filter(mine);
        if (batch.length === 0) return;
      }
    }
  };

  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal.addEventListener("abort", onAbort, { once: true });
  // A stop that came while the job was being set up is a stop too.
  if (options.signal.aborted) stop.abort();
  const rulesIterator = ruleStore.watch({ signal: stop.signal })[Symbol.asyncIterator]();

  const emit = (out: OperatorOutput) => {
    if (out.late > 0) {
      totals.late += out.late;
      metrics.add("edgecep_events_late_total", out.late);
    }
    for (const match of out.matches) {
      metrics.add("edgecep_matches_total", 1, match.rule.id);
      lines.push(formatMatchLine(match));
      if (checkpointer.written(match, eventTime)) {
        metrics.add("edgecep_matches_replayed_total");
        continue;
      }
      const row = toMatchRow(match);
      // With checkpoints a row names its partition, to be dropped if another instance takes it.
      rows.push(checkpoints === null ? row : { ...row, ...checkpointer.partitionOf(match.group) });
      if (match.position >= 0) progress.set(match.group, checkpointer.progressOf(match, eventTime));
    }
    totals.matches += out.matches.length;
    for (const timeout of out.timedOut) metrics.add("edgecep_timeouts_total", 1, timeout.rule.id);
  };

  let lastExpiry = now();
  let movedKeys = 0;
  let lastMovedWarning = -Infinity;
  const advanceTime = (at: number) => {
    if (eventTime) emit(operator.advanceWatermark(watermarks.update(at)));
    else emit(operator.advanceProcessingTime(at));
    // A key's state belongs to one partition's checkpoint: keys split over partitions break that.
    if (operator.keysFromOtherGroup > movedKeys && at - lastMovedWarning >= 60_000) {
      logger.log("warn", "events of one key came from several partitions", {
        events: operator.keysFromOtherGroup - movedKeys,
        advice: "key the topic's messages by user, or run a single instance",
      });
      movedKeys = operator.keysFromOtherGroup;
      lastMovedWarning = at;
    }
    // Visiting every key costs, so keys are checked for their TTL at most once a second.
    if (ttlMs !== null && at - lastExpiry >= Math.min(ttlMs, 1_000)) {
      lastExpiry = at;
      const time = eventTime ? operator.watermark : at;
      const dropped = operator.dropIdleKeys(time - ttlMs);
      if (dropped > 0) metrics.add("edgecep_partial_matches_expired_total", dropped);
    }
  };

  const checkpointIntervalMs = options.checkpointIntervalMs ?? 5_000;
  let lastCheckpoint = now();
  /** Hands what was produced since the last call to the output stage. */
  const submit = (force = false) => {
    let then: (() => Promise<void>) | null = null;
    const at = now();
    if (force || at - lastCheckpoint >= checkpointIntervalMs) {
      lastCheckpoint = at;
      then = checkpointer.capture();
    }
    const chunk = { lines, rows, progress: [...progress.values()], then };
    lines = [];
    rows = [];
    progress = new Map();
    return output.submit(chunk);
  };

  const parseEvent = createEventParser({
    format: options.eventFormat,
    ...(options.eventFields === undefined ? {} : { fields: options.eventFields }),
  });
  // Where the current record came from; the operator copies it where it keeps the event.
  const origin: EventOrigin = { group: 0, position: 0 };
  const handle = (batch: SourceBatch) => {
    const slot = checkpointer.slot(batch);
    // A partition another instance took since the batch was fetched is its to handle.
    if (!slot.owned) return;
    const { values, offsets } = batch;
    const n = values.length;
    const at = now();
    origin.group = slot.group;
    let bad = 0;
    let maxTimestamp = -Infinity;
    for (let i = 0; i < n; i++) {
      const value = values[i]!;
      let event;
      try {
        if (value === null) throw new TypeError("Cannot parse event: the message has no value");
        event = parseEvent(value);
        if (eventTime && !Number.isFinite(event.eventTime)) {
          throw new TypeError("Cannot use event in event time: eventTime is missing");
        }
      } catch (error) {
        bad++;
        const offset = offsets[i]!;
        malformed.report(
          { topic: batch.topic, partition: batch.partition, offset },
          (error as Error).message,
        );
        continue;
      }
      const timestamp = eventTime ? event.eventTime as number : at;
      if (timestamp > maxTimestamp) maxTimestamp = timestamp;
      origin.position = +offsets[i]!;
      const out = operator.processElement(
        `${event.id},${event.productionId}`,
        event,
        timestamp,
        origin,
      );
      if (out.matches.length > 0 || out.timedOut.length > 0 || out.late > 0) emit(out);
    }
    if (n > 0) checkpointer.handled(slot.group, offsets[n - 1]!);
    totals.eventsIn += n;
    metrics.add("edgecep_events_in_total", n);
    if (bad > 0) {
      totals.malformed += bad;
      metrics.add("edgecep_events_malformed_total", bad);
    }
    if (eventTime && maxTimestamp !== -Infinity) {
      // Flink emits periodic watermarks; one per batch is at least as often.
      watermarks.observe(`${batch.topic}/${batch.partition}`, maxTimestamp, at);
      const watermark = watermarks.update(at);
      if (watermark > operator.watermark) emit(operator.advanceWatermark(watermark));
    }
  };

  try {
    logger.log("info", "waiting for the first rule snapshot");
    const first = await rulesIterator.next();
    if (first.done) return totals;
    applied(registry.apply(first.value));
    const rest = { [Symbol.asyncIterator]: () => rulesIterator };
    const items = merge<Item>([
      tag(source, (item): Item => ({ type: "source", item }), { type: "end" }),
      tag(rest, (rules): Item => ({ type: "rules", rules })),
      tag(ticks(options.tickMs ?? 200, stop.signal), (): Item => ({ type: "tick" })),
    ], { signal: stop.signal });
    for await (const item of items) {
      if (item.type === "source") {
        if (item.item.type === "assignment") {
          // Revoked partitions are checkpointed before their state is dropped (a write the new
          // owner has fenced already is dropped: it restores from the previous checkpoint).
          if (item.item.revoked.length > 0) await submit(true);
          await output.flush();
          source.start(await checkpointer.assign(item.item));
          continue;
        }
        checkpointer.takeFenced();
        handle(item.item);
        await submit();
      } else if (item.type === "rules") {
        applied(registry.apply(item.rules));
      } else if (item.type === "tick") {
        advanceTime(now());
        await submit();
      } else {
        // A finite input ends: in event time everything still buffered is due (Flink emits a
        // final MAX_WATERMARK for bounded sources).
        if (eventTime) emit(operator.advanceWatermark(Infinity));
        break;
      }
      if (stop.signal.aborted) break;
    }
    await submit(true);
    await output.flush();
    return totals;
  } finally {
    options.signal.removeEventListener("abort", onAbort);
    stop.abort();
    await rulesIterator.return?.();
    logger.log("info", "job stopped", totals);
  }
}
