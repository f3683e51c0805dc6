/**
 * The streaming job as one async-iterator pipeline: source records, rule-table snapshots and
 * clock ticks are merged into a single loop that parses events, assigns watermarks, drives the
 * keyed CEP operator, prints and writes matches, and commits source positions once their
 * effects are durable.
 *
 * @module
 */

import {
  KeyedOperator,
  type OperatorOutput,
  type TimeBehaviour,
  type WatermarkOptions,
  WatermarkTracker,
} from "../engine/mod.ts";
import {
  type EventFormat,
  type EventSource,
  type Logger,
  type MatchRow,
  type MatchSink,
  parseEvent,
  type RuleSet,
  type RuleStore,
  type SourceRecord,
} from "../io/mod.ts";
import type { ConditionRegistry } from "../rules/mod.ts";
import { formatMatchLine, toMatchRow } from "./demo_output.ts";
import { declareJobMetrics } from "./job_metrics.ts";
import { merge, ticks } from "./merge.ts";
import type { Metrics } from "./metrics.ts";
import { PositionTracker } from "./position_tracker.ts";
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
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Receives each match line (stdout in production). */
  readonly print: (line: string) => void;
  /** Stops the job; what was read is finished and committed first. */
  readonly signal: AbortSignal;
  readonly conditions?: ConditionRegistry;
  /** Called after each rule snapshot is applied, the first one included (for `/readyz`). */
  readonly onRulesApplied?: (changes: RuleChanges) => void;
  /** The wall clock; injected by tests. */
  readonly now?: () => number;
  /** How often windows, idle partitions, writes and commits are checked; default 200 ms. */
  readonly tickMs?: number;
  /** Rows buffered before a write is forced; default 500. */
  readonly maxPendingRows?: number;
  /**
   * Minimum time between offset commits; default 2 000 ms. Finding what is safe to commit visits
   * every key's state, so it is not done on every write.
   */
  readonly commitIntervalMs?: number;
}

/** Totals of a finished run. */
export interface JobSummary {
  readonly eventsIn: number;
  readonly malformed: number;
  readonly late: number;
  readonly matches: number;
}

type Item =
  | { readonly type: "record"; readonly record: SourceRecord }
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
  report(record: SourceRecord, reason: string): void {
    const at = { topic: record.topic, partition: record.partition, offset: record.offset };
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
  const operator = new KeyedOperator({ timeBehaviour: options.timeBehaviour });
  const registry = new RuleRegistry({
    operator,
    logger,
    ...(options.conditions === undefined ? {} : { conditions: options.conditions }),
  });
  const watermarks = new WatermarkTracker(options.watermark);
  const positions = new PositionTracker();
  const malformed = new MalformedReporter(logger, now);
  declareJobMetrics(metrics, { operator, registry, watermarks, now, sink, source, ruleStore });
  const applied = (changes: RuleChanges) => {
    metrics.add("edgecep_rules_rejected_total", changes.rejected.length);
    options.onRulesApplied?.(changes);
  };
  const totals = { eventsIn: 0, malformed: 0, late: 0, matches: 0 };
  let rows: MatchRow[] = [];

  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal.addEventListener("abort", onAbort, { once: true });
  const rulesIterator = ruleStore.watch({ signal: stop.signal })[Symbol.asyncIterator]();

  const emit = (out: OperatorOutput) => {
    totals.late += out.late;
    if (out.late > 0) metrics.add("edgecep_events_late_total", out.late);
    for (const match of out.matches) {
      totals.matches++;
      metrics.add("edgecep_matches_total", 1, match.rule.id);
      options.print(formatMatchLine(match));
      rows.push(toMatchRow(match));
    }
    for (const timeout of out.timedOut) metrics.add("edgecep_timeouts_total", 1, timeout.rule.id);
  };

  const advanceTime = () => {
    if (eventTime) emit(operator.advanceWatermark(watermarks.update(now())));
    else emit(operator.advanceProcessingTime(now()));
  };

  const commitIntervalMs = options.commitIntervalMs ?? 2_000;
  let lastCommit = -Infinity;
  const flush = async (force = false) => {
    if (rows.length > 0) {
      const batch = rows;
      rows = [];
      if (sink !== null) await sink.write(batch);
    }
    if (!force && now() - lastCommit < commitIntervalMs) return;
    lastCommit = now();
    const done = positions.release(operator.oldestLiveSequence());
    if (done.length > 0) await source.commit(done);
  };

  const handle = (record: SourceRecord) => {
    totals.eventsIn++;
    metrics.add("edgecep_events_in_total");
    let event;
    try {
      if (record.value === null) {
        throw new TypeError("Cannot parse event: the message has no value");
      }
      event = parseEvent(record.value, options.eventFormat);
      if (eventTime && (typeof event.eventTime !== "number" || !Number.isFinite(event.eventTime))) {
        throw new TypeError("Cannot use event in event time: eventTime is missing");
      }
    } catch (error) {
      totals.malformed++;
      metrics.add("edgecep_events_malformed_total");
      malformed.report(record, (error as Error).message);
      positions.track(record, operator.nextSequence - 1);
      return;
    }
    const timestamp = eventTime ? event.eventTime as number : now();
    positions.track(record, operator.nextSequence);
    emit(operator.processElement(`${event.id},${event.productionId}`, event, timestamp));
    if (eventTime) {
      watermarks.observe(`${record.topic}/${record.partition}`, timestamp, now());
      const watermark = watermarks.update(now());
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
      tag(source, (record): Item => ({ type: "record", record }), { type: "end" }),
      tag(rest, (rules): Item => ({ type: "rules", rules })),
      tag(ticks(options.tickMs ?? 200, stop.signal), (): Item => ({ type: "tick" })),
    ], { signal: stop.signal });
    for await (const item of items) {
      if (item.type === "record") {
        handle(item.record);
        if (rows.length >= (options.maxPendingRows ?? 500)) await flush();
      } else if (item.type === "rules") {
        applied(registry.apply(item.rules));
      } else if (item.type === "tick") {
        advanceTime();
        await flush();
      } else {
        // A finite input ends: in event time everything still buffered is due (Flink emits a
        // final MAX_WATERMARK for bounded sources).
        if (eventTime) emit(operator.advanceWatermark(Infinity));
        await flush(true);
        break;
      }
      if (stop.signal.aborted) break;
    }
    await flush(true);
    return totals;
  } finally {
    options.signal.removeEventListener("abort", onAbort);
    stop.abort();
    await rulesIterator.return?.();
    logger.log("info", "job stopped", totals);
  }
}
