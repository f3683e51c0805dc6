/**
 * The job's metric families: declared once per run, with scrape-time readers over the operator,
 * rule registry, watermarks, source and sink.
 *
 * @module
 */

import type { KeyedOperator, WatermarkTracker } from "../engine/mod.ts";
import type { EventSource, MatchSink } from "../io/mod.ts";
import type { Metrics } from "./metrics.ts";
import type { RuleRegistry } from "./rule_registry.ts";

/** What the job's metrics read at scrape time. */
export interface JobMetricParts {
  readonly operator: KeyedOperator;
  readonly registry: RuleRegistry;
  readonly watermarks: WatermarkTracker;
  readonly now: () => number;
  readonly sink: MatchSink | null;
  readonly source: EventSource;
}

/**
 * Declares every metric the job updates or reads.
 * @param metrics the registry to declare into
 * @param parts what gauges read at scrape time
 * @throws {RangeError} if a name is already declared
 */
export function declareJobMetrics(metrics: Metrics, parts: JobMetricParts): void {
  const { operator, registry, watermarks, now, sink, source } = parts;
  metrics.declare("edgecep_events_in_total", {
    type: "counter",
    help: "Records read from the source",
  });
  metrics.declare("edgecep_events_malformed_total", {
    type: "counter",
    help: "Records skipped as malformed",
  });
  metrics.declare("edgecep_events_late_total", {
    type: "counter",
    help: "Events dropped as late (event time)",
  });
  metrics.declare("edgecep_matches_total", {
    type: "counter",
    help: "Matches per rule",
    label: "rule",
  });
  metrics.declare("edgecep_timeouts_total", {
    type: "counter",
    help: "Timed-out partial matches per rule",
    label: "rule",
  });
  metrics.declare("edgecep_partial_matches", {
    type: "gauge",
    help: "Live partial matches per rule",
    label: "rule",
    read: () => operator.partialMatchCounts(),
  });
  metrics.declare("edgecep_rule_version", {
    type: "gauge",
    help: "Version of each running rule",
    label: "rule",
    read: () => new Map(registry.running.map((r) => [r.id, r.version])),
  });
  metrics.declare("edgecep_rule_conflicts", {
    type: "gauge",
    help: "Different rows sharing the id and highest version of a rule",
    label: "rule",
    read: () => registry.conflicts,
  });
  metrics.declare("edgecep_buffered_events", {
    type: "gauge",
    help: "Events waiting for the watermark",
    read: () => operator.bufferedEvents,
  });
  metrics.declare("edgecep_watermark_ms", {
    type: "gauge",
    help: "Current event-time watermark",
    read: () => watermarks.watermark,
  });
  metrics.declare("edgecep_watermark_lag_ms", {
    type: "gauge",
    help: "Wall clock minus the watermark",
    read: () => (watermarks.watermark === -Infinity ? 0 : now() - watermarks.watermark),
  });
  metrics.declare("edgecep_consumer_lag", {
    type: "gauge",
    help: "Records in the source not yet read (Kafka only)",
    read: () => (source as { lag?: number }).lag ?? 0,
  });
  metrics.declare("edgecep_sink_retries_total", {
    type: "counter",
    help: "Retried writes to the match table",
    read: () => (sink as { retries?: number } | null)?.retries ?? 0,
  });
}
