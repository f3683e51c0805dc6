/**
 * What Flink's per-run state costs on Rule 1 before any NFA logic: the engine against five
 * matchers written by hand for Rule 1 alone, from the bare counter of `engine_bench.ts` to Flink's
 * runs with their paths (`_state_models.ts`). All but the counter report the events of each match,
 * checked against the engine's before timing. Prints `name: value` lines; see BENCHMARKS.md.
 *
 * Run: `deno task bench:state` (`BENCH_EVENTS`, `BENCH_KEYS` as for `engine_bench.ts`).
 *
 * @module
 */

import { compileRule } from "../rules/mod.ts";
import { type ClickEvent, generateEvents, keyOf } from "./_events.ts";
import { type Contender, print, race, type Timed } from "./_race.ts";
import { checkReports } from "./_self_check.ts";
import {
  type ReportingMatcher,
  RunObjects,
  RunsInline,
  SharedPaths,
  ViewsSinceMatch,
} from "./_state_models.ts";
import { EVENTS, RULE_1_PATTERN, runEngine, runHandwritten, STREAM } from "./_workload.ts";

/** Events over which every reporting matcher is compared with the engine, match by match. */
const CHECKED_EVENTS = 200_000;

function runReporting(matcher: ReportingMatcher, events: readonly ClickEvent[]): Timed {
  let matches = 0;
  const start = performance.now();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (matcher.process(keyOf(e), e, i) !== null) matches++;
  }
  return { seconds: (performance.now() - start) / 1000, matches };
}

function main(): void {
  const definition = compileRule({ id: "1", pattern: RULE_1_PATTERN });
  const events = generateEvents(EVENTS, STREAM);
  const checked = events.slice(0, CHECKED_EVENTS);
  for (
    const make of [
      () => new RunObjects(),
      () => new RunsInline(),
      () => new SharedPaths(),
      () => new ViewsSinceMatch(),
    ]
  ) {
    checkReports(definition, checked, make());
  }

  const contenders: Contender[] = [
    { label: "engine", run: (e) => runEngine(definition, e) },
    { label: "run_objects", run: (e) => runReporting(new RunObjects(), e) },
    { label: "runs_inline", run: (e) => runReporting(new RunsInline(), e) },
    { label: "shared_paths", run: (e) => runReporting(new SharedPaths(), e) },
    { label: "views", run: (e) => runReporting(new ViewsSinceMatch(), e) },
    { label: "handwritten", run: runHandwritten },
  ];
  race(events, contenders);
  const rates = new Map<string, number>();
  for (const c of contenders) {
    if (c.fastest!.matches !== contenders[0]!.fastest!.matches) {
      throw new Error(
        `${c.label} counted ${c.fastest!.matches}, engine ${contenders[0]!.fastest!.matches}`,
      );
    }
    rates.set(c.label, EVENTS / c.fastest!.seconds);
  }

  print("events", EVENTS);
  print("keys", STREAM.keys);
  print("matches", contenders[0]!.fastest!.matches);
  for (const [label, rate] of rates) print(`${label}_events_per_s`, Math.round(rate));
  const handwritten = rates.get("handwritten")!;
  for (const [label, rate] of rates) {
    if (label !== "handwritten") print(`${label}_vs_handwritten`, (rate / handwritten).toFixed(2));
  }
  print("engine_vs_run_objects", (rates.get("engine")! / rates.get("run_objects")!).toFixed(2));
}

main();
