/**
 * The job's metric families: declared once per run, with scrape-time readers over the operator,
 * rule registry, watermarks, source and sink.
 *
 * @module
 */

import type { KeyedOperator, WatermarkTracker } from "../engine/mod.ts";
import type { EventSource, MatchSink, RuleStore } from "../io/mod.ts";
import { LABEL_SEPARATOR, type Metrics } from "./metrics.ts";
import type { RuleRegistry } from "./rule_registry.ts";
import { VERSION } from "./version.ts";

/** What the job's metrics read at scrape time. */
export interface JobMetricParts {
  readonly operator: KeyedOperator;
  readonly registry: RuleRegistry;
  readonly watermarks: WatermarkTracker;
  readonly now: () => number;
  readonly sink: MatchSink | null;
  readonly source: EventSource;
  readonly ruleStore: RuleStore;
}

/**
 * Declares every metric the job updates or reads.
 * @param metrics the registry to declare into
 * @param parts what gauges read at scrape time
 * @throws {RangeError} if a name is already declared
 */
export function declareJobMetrics(metrics: Metrics, parts: JobMetricParts): void {
  const { operator, registry, watermarks, now, sink, source, ruleStore } = parts;
  metrics.declare("edgecep_build_info", {
    type: "gauge",
    help: "Always 1; the version label names the running edgecep",
    label: "version",
    read: () => new Map([[VERSION, 1]]),
  });
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
  metrics.declare("edgecep_watermark_seconds", {
    type: "gauge",
    help: "Current event-time watermark, seconds since the epoch",
    read: () => watermarks.watermark / 1000,
  });
  metrics.declare("edgecep_watermark_lag_seconds", {
    type: "gauge",
    help: "Wall clock minus the watermark",
    read: () => (watermarks.watermark === -Infinity ? 0 : (now() - watermarks.watermark) / 1000),
  });
  metrics.declare("edgecep_consumer_lag", {
    type: "gauge",
    help: "Records in each partition not yet read (Kafka only)",
    label: ["topic", "partition"],
    read: () => {
      const lags = (source as { partitionLag?: ReadonlyMap<string, number> }).partitionLag;
      const byLabels = new Map<string, number>();
      for (const [at, lag] of lags ?? []) {
        const slash = at.lastIndexOf("/");
        byLabels.set(`${at.slice(0, slash)}${LABEL_SEPARATOR}${at.slice(slash + 1)}`, lag);
      }
      return byLabels;
    },
  });
  metrics.declare("edgecep_rules_rejected_total", {
    type: "counter",
    help: "Rule versions rejected as invalid (each reported once)",
  });
  metrics.declare("edgecep_rule_store_failures_total", {
    type: "counter",
    help: "Failed polls of the rule store",
    read: () => ruleStore.health?.failures ?? 0,
  });
  metrics.declare("edgecep_sink_retries_total", {
    type: "counter",
    help: "Retried writes to the match table",
    read: () => (sink as { retries?: number } | null)?.retries ?? 0,
  });
  metrics.declare("edgecep_partial_matches_expired_total", {
    type: "counter",
    help: "Partial matches dropped because their key saw no event for --stateTtlMs",
  });
  metrics.declare("edgecep_partial_matches_capped_total", {
    type: "counter",
    help: "Partial matches dropped by --maxPartialMatchesPerKey, oldest first",
    read: () => operator.cappedPartialMatches,
  });
  metrics.declare("edgecep_keys_from_other_partition_total", {
    type: "counter",
    help: "Events whose key has state from another partition (the producer does not key by user)",
    read: () => operator.keysFromOtherGroup,
  });
  metrics.declare("edgecep_matches_replayed_total", {
    type: "counter",
    help: "Matches of replayed events whose rows were already written before a restore",
  });
}
