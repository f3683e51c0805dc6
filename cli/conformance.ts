/**
 * The conformance runner: `deno task conformance DIR…` runs every vector in the directories as
 * ../shared/conformance/FORMAT.md defines, through the same rule compiler and engine API the job
 * uses, and ends with `N passed, N failed`.
 *
 * @module
 */

import { type Event, KeyedOperator, type RuleMatch } from "../engine/mod.ts";
import { compileRule } from "../rules/mod.ts";

/** One vector file, as FORMAT.md defines it. */
export interface Vector {
  readonly name: string;
  readonly mode: "nfa" | "eventTime";
  readonly keyBy: string | readonly string[] | null;
  readonly pattern: unknown;
  readonly input: readonly InputItem[];
  readonly expected: {
    readonly matches?: readonly (readonly number[])[];
    readonly timeouts?: readonly (readonly number[])[];
    readonly namedMatches?: readonly Record<string, readonly number[]>[];
    readonly error?: boolean;
  };
}

type InputItem =
  | { readonly ts: number; readonly event: Event }
  | { readonly watermark: number }
  | { readonly advanceTo: number };

/** The outcome of one vector: `null` when it passed, else the difference. */
export type VectorResult = { readonly name: string; readonly failure: string | null };

/**
 * The key of an event as a vector's `keyBy` defines it: one key for all when `null`.
 * @returns the key's fields' values as JSON
 */
export function keyOf(event: Event, keyBy: Vector["keyBy"]): string {
  if (keyBy === null) return "";
  const fields = typeof keyBy === "string" ? [keyBy] : keyBy;
  return JSON.stringify(fields.map((f) => event[f] ?? null));
}

/** Sorted numbers inside each match, then the matches sorted, as FORMAT.md compares them. */
function canonical(matches: readonly (readonly number[])[]): string {
  return JSON.stringify(
    matches.map((m) => [...m].sort((a, b) => a - b)).sort((a, b) => {
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        if (a[i] !== b[i]) return a[i]! - b[i]!;
      }
      return a.length - b.length;
    }),
  );
}

function canonicalNamed(named: readonly Record<string, readonly number[]>[]): string {
  return JSON.stringify(
    named.map((m) => JSON.stringify(Object.keys(m).sort().map((k) => [k, m[k]]))).sort(),
  );
}

/**
 * Runs one vector.
 * @param vector the parsed vector
 * @returns the difference, or `null` when the engine agrees
 */
export function runVector(vector: Vector): VectorResult {
  const fail = (failure: string): VectorResult => ({ name: vector.name, failure });
  let definition;
  try {
    definition = compileRule({ id: vector.name, pattern: vector.pattern });
  } catch (error) {
    if (vector.expected.error === true) return { name: vector.name, failure: null };
    return fail(`rejected: ${(error as Error).message}`);
  }
  if (vector.expected.error === true) {
    return fail("expected the pattern to be rejected, but it compiled");
  }

  const operator = new KeyedOperator({
    timeBehaviour: vector.mode === "eventTime" ? "EventTime" : "ProcessingTime",
  });
  operator.setRule({ id: vector.name, version: 1 }, definition);
  const numbers = new Map<Event, number>();
  const matches: RuleMatch[] = [];
  const timeouts: RuleMatch[] = [];
  const take = (out: { matches: RuleMatch[]; timedOut: RuleMatch[] }) => {
    matches.push(...out.matches);
    timeouts.push(...out.timedOut);
  };
  for (const item of vector.input) {
    if ("event" in item) {
      // Each event gets its own object so identical events stay distinguishable.
      const event = { ...item.event };
      numbers.set(event, numbers.size);
      take(operator.processElement(keyOf(event, vector.keyBy), event, item.ts));
    } else if ("watermark" in item) {
      if (vector.mode === "eventTime") take(operator.advanceWatermark(item.watermark));
    } else if (vector.mode === "eventTime") {
      take(operator.advanceWatermark(item.advanceTo));
    } else {
      take(operator.advanceProcessingTime(item.advanceTo));
    }
  }
  if (vector.mode === "eventTime") take(operator.advanceWatermark(Infinity));

  const toNumbers = (m: RuleMatch) => [...m.match.values()].flat().map((e) => numbers.get(e)!);
  const problems: string[] = [];
  const compare = (what: string, expected: readonly (readonly number[])[], actual: number[][]) => {
    const want = canonical(expected);
    const got = canonical(actual);
    if (want !== got) problems.push(`${what}: expected ${want}, got ${got}`);
  };
  compare("matches", vector.expected.matches ?? [], matches.map(toNumbers));
  if (vector.expected.timeouts !== undefined) {
    compare("timeouts", vector.expected.timeouts, timeouts.map(toNumbers));
  }
  if (vector.expected.namedMatches !== undefined) {
    const named = matches.map((m) =>
      Object.fromEntries([...m.match].map(([k, events]) => [k, events.map((e) => numbers.get(e)!)]))
    );
    const want = canonicalNamed(vector.expected.namedMatches);
    const got = canonicalNamed(named);
    if (want !== got) problems.push(`namedMatches: expected ${want}, got ${got}`);
  }
  return problems.length === 0 ? { name: vector.name, failure: null } : fail(problems.join("; "));
}

/**
 * Runs every `*.json` vector below the given directories.
 * @param dirs directories of vectors
 * @returns one result per vector file, failures for files that cannot be read or parsed
 */
export async function runDirectories(dirs: readonly string[]): Promise<VectorResult[]> {
  const results: VectorResult[] = [];
  for (const dir of dirs) {
    const files: string[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".json")) files.push(`${dir}/${entry.name}`);
    }
    for (const file of files.sort()) {
      try {
        results.push(runVector(JSON.parse(await Deno.readTextFile(file)) as Vector));
      } catch (error) {
        results.push({ name: file, failure: `cannot run: ${(error as Error).message}` });
      }
    }
  }
  return results;
}

if (import.meta.main) {
  if (Deno.args.length === 0) {
    console.error("Usage: deno task conformance DIR...");
    Deno.exit(2);
  }
  const results = await runDirectories(Deno.args);
  const failed = results.filter((r) => r.failure !== null);
  for (const r of failed) console.log(`FAIL ${r.name}: ${r.failure}`);
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  if (failed.length > 0) Deno.exit(1);
}
