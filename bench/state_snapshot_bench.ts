/**
 * What a checkpoint of NFA state costs per key on Rule 1: the bytes of JSON of one key's
 * `snapshotNfaState` with 1, 2 and 3 views waiting (the partial matches Rule 1 keeps), and the
 * time to snapshot, stringify, parse and restore 100 k such keys. Events are shaped as the quick
 * start's parsed CSV lines. Prints `name: value` lines; see BENCHMARKS.md.
 *
 * Run: `deno task bench:snapshot` (`BENCH_KEYS` changes the number of keys).
 *
 * @module
 */

import {
  compileNfa,
  Nfa,
  type NfaState,
  restoreNfaState,
  snapshotNfaState,
} from "../engine/mod.ts";
import { compileRule } from "../rules/mod.ts";
import { findGc, print, readCount, RUNS } from "./_race.ts";
import { RULE_1_PATTERN } from "./_workload.ts";

const KEYS = readCount("BENCH_KEYS", 100_000);
/** The quick start's first event time. */
const FIRST_EVENT_TIME = 1_662_022_777_000;

/** `KEYS` keys of Rule 1, each after `views` views of its product, one a second. */
function statesWithViews(nfa: Nfa, views: number): NfaState[] {
  const states: NfaState[] = [];
  let sequence = 0;
  for (let key = 0; key < KEYS; key++) {
    const state = nfa.createInitialNfaState();
    for (let v = 0; v < views; v++) {
      const eventTime = FIRST_EVENT_TIME + key * 10_000 + v * 1000;
      const event = { id: key, name: "Ken", action: 0, productionId: 1, eventTime };
      nfa.advanceTime(state, eventTime);
      nfa.process(state, event, eventTime, sequence++);
    }
    states.push(state);
  }
  return states;
}

/** The fastest of {@link RUNS} runs of `f` after a full GC each, in milliseconds. */
function fastest(f: () => void): number {
  const gc = findGc();
  let best = Infinity;
  for (let r = 0; r < RUNS; r++) {
    gc();
    const start = performance.now();
    f();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

function main(): void {
  const definition = compileRule({ id: "1", pattern: RULE_1_PATTERN });
  const nfa = new Nfa(compileNfa(definition), definition.afterMatchSkipStrategy);
  const perHundredK = 100_000 / KEYS;
  print("keys", KEYS);
  for (const views of [1, 2, 3]) {
    const states = statesWithViews(nfa, views);
    const texts = states.map((s) => JSON.stringify(snapshotNfaState(s)));
    const bytes = texts.reduce((sum, t) => sum + new TextEncoder().encode(t).length, 0);
    print(`views_${views}_bytes_per_key`, (bytes / KEYS).toFixed(1));
    const snapshot = fastest(() => {
      for (const s of states) JSON.stringify(snapshotNfaState(s));
    });
    const restore = fastest(() => {
      for (const t of texts) restoreNfaState(nfa, JSON.parse(t));
    });
    print(
      `views_${views}_snapshot_stringify_ms_per_100k_keys`,
      (snapshot * perHundredK).toFixed(0),
    );
    print(`views_${views}_parse_restore_ms_per_100k_keys`, (restore * perHundredK).toFixed(0));
  }
}

if (import.meta.main) main();
