/**
 * Timing shared by the benches: contenders alternate over several rounds on a noisy host, each
 * keeping its fastest run, and results print as `name: value` lines.
 *
 * @module
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ClickEvent } from "./_events.ts";

/** One full run over the events: how long it took and how many matches it reported. */
export interface Timed {
  readonly seconds: number;
  readonly matches: number;
}

/** A matcher under test: `run` processes all events on fresh state. */
export interface Contender {
  readonly label: string;
  readonly run: (events: readonly ClickEvent[]) => Timed;
  fastest?: Timed;
}

/** Rounds per race. */
export const RUNS = 5;

/**
 * An integer from the environment, or `fallback`. Without --allow-env the default applies, since
 * asking would prompt or throw.
 */
export function readCount(name: string, fallback: number): number {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    return fallback;
  }
  const value = Deno.env.get(name);
  return value === undefined ? fallback : Number(value);
}

/** V8's gc(): the exposed one, or switched on at run time so the bench tasks need no flag. */
export function findGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/**
 * A warm-up of each on the first tenth of the events, then {@link RUNS} rounds in which each
 * contender makes a full run on fresh state after a full GC, so that one run's garbage is not
 * collected in the next. Rounds alternate the contenders so that all see the same moments of a
 * noisy host; each keeps its fastest run.
 * @throws {Error} if a contender's runs disagree on the number of matches
 */
export function race(events: readonly ClickEvent[], contenders: readonly Contender[]): void {
  const gc = findGc();
  for (const c of contenders) c.run(events.slice(0, Math.ceil(events.length / 10)));
  for (let r = 0; r < RUNS; r++) {
    for (const c of contenders) {
      gc();
      const timed = c.run(events);
      if (c.fastest !== undefined && timed.matches !== c.fastest.matches) {
        throw new Error(
          `${c.label}: run ${r} counted ${timed.matches}, run 0 ${c.fastest.matches}`,
        );
      }
      if (c.fastest === undefined || timed.seconds < c.fastest.seconds) c.fastest = timed;
    }
  }
}

/** Prints one figure as `name: value`. */
export function print(name: string, value: string | number): void {
  console.log(`${name}: ${value}`);
}
