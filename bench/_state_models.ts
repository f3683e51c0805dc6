/**
 * Rule 1 written by hand four more ways, each keeping more of the state Flink's model keeps, to
 * measure what that state costs before any NFA logic: the views a match reports, then Flink's
 * runs with their paths, laid out as the engine lays them out, with their counters inline, and
 * inline with one path node per event that all runs taking it share.
 *
 * All of them report the events of each match, as the engine does, and rely on what
 * `_handwritten.ts` explains: a key's runs are its views since the last match, the earliest has
 * the most views, and a match (the earliest run plus the end event) discards every run.
 *
 * @module
 */

import type { ClickEvent } from "./_events.ts";

/** A matcher that reports the events of each match: the views, then the end event. */
export interface ReportingMatcher {
  /** @returns the match this event completed, or `null` */
  process(key: string, event: ClickEvent, sequence: number): ClickEvent[] | null;
}

const MIN_VIEWS = 3;

/** The least a matcher that reports matches keeps: each key's views since its last match. */
export class ViewsSinceMatch implements ReportingMatcher {
  readonly #views = new Map<string, ClickEvent[]>();

  process(key: string, event: ClickEvent): ClickEvent[] | null {
    const views = this.#views.get(key);
    if (views !== undefined && views.length >= MIN_VIEWS && event.action !== 1) {
      this.#views.delete(key);
      views.push(event);
      return views;
    }
    if (event.action !== 0) return null;
    if (views === undefined) this.#views.set(key, [event]);
    else views.push(event);
    return null;
  }
}

/** A taken event, with the fields of the engine's `EventRecord`. */
interface EventRecord {
  readonly event: ClickEvent;
  readonly timestamp: number;
  readonly id: number;
  readonly sequence: number;
  readonly order: number;
}

/** A run and the last node of its path, with the fields of the engine's `ComputationState`. */
interface Run {
  /** Views taken, up to {@link MIN_VIEWS}: the engine's state stands for the same count. */
  readonly state: number;
  readonly page: string;
  readonly last: EventRecord;
  readonly previous: Run | null;
  readonly start: EventRecord;
  readonly order: number;
}

/** A key's runs in the engine's layout: the first four in fields, in start order. */
class RunSlots {
  r0: Run | null = null;
  r1: Run | null = null;
  r2: Run | null = null;
  r3: Run | null = null;
  rest: Run[] | null = null;
  size = 0;
  taken = 0;
}

/**
 * Flink's model in the engine's layout: every view is a record and starts a run, and every run
 * that takes it gets a new path node, which is the run. Each view reads each run.
 */
export class RunObjects implements ReportingMatcher {
  readonly #keys = new Map<string, RunSlots>();

  process(key: string, event: ClickEvent, sequence: number): ClickEvent[] | null {
    let slots = this.#keys.get(key);
    if (slots === undefined) {
      if (event.action !== 0) return null;
      this.#keys.set(key, slots = new RunSlots());
    }
    const earliest = slots.r0;
    if (earliest !== null && earliest.state >= MIN_VIEWS && event.action !== 1) {
      this.#keys.delete(key);
      const match: ClickEvent[] = [];
      for (let run: Run | null = earliest; run !== null; run = run.previous) {
        match.push(run.last.event);
      }
      match.reverse();
      match.push(event);
      return match;
    }
    if (event.action !== 0) return null;
    const order = slots.taken++;
    const record = { event, timestamp: event.eventTime, id: order, sequence, order };
    const n = slots.size;
    if (n > 0) slots.r0 = take(slots.r0!, record);
    if (n > 1) slots.r1 = take(slots.r1!, record);
    if (n > 2) slots.r2 = take(slots.r2!, record);
    if (n > 3) slots.r3 = take(slots.r3!, record);
    const rest = slots.rest;
    if (n > 4) { for (let i = 0; i < rest!.length; i++) rest![i] = take(rest![i]!, record); }
    const started = { state: 1, page: "start", last: record, previous: null, start: record, order };
    if (n === 0) slots.r0 = started;
    else if (n === 1) slots.r1 = started;
    else if (n === 2) slots.r2 = started;
    else if (n === 3) slots.r3 = started;
    else (slots.rest ??= []).push(started);
    slots.size++;
    return null;
  }
}

function take(run: Run, record: EventRecord): Run {
  const state = run.state < MIN_VIEWS ? run.state + 1 : MIN_VIEWS;
  return { state, page: "start", last: record, previous: run, start: run.start, order: run.order };
}

/** A path node without the run's own fields, which {@link RunsInline} keeps with the key. */
interface PathNode {
  readonly last: EventRecord;
  readonly previous: PathNode | null;
}

/** A key's runs with their view counts in fields and only their paths in separate objects. */
class InlineRuns {
  v0 = 0;
  v1 = 0;
  v2 = 0;
  v3 = 0;
  p0: PathNode | null = null;
  p1: PathNode | null = null;
  p2: PathNode | null = null;
  p3: PathNode | null = null;
  /** Runs from the fifth on, as view count and path pairs. */
  rest: (number | PathNode | EventRecord)[] | null = null;
  size = 0;
  taken = 0;
}

/**
 * Flink's model with each run's counter inline in the key's object: a view still creates a record
 * and a path node per run, but stepping reads no run object.
 */
export class RunsInline implements ReportingMatcher {
  readonly #keys = new Map<string, InlineRuns>();

  process(key: string, event: ClickEvent, sequence: number): ClickEvent[] | null {
    let runs = this.#keys.get(key);
    if (runs === undefined) {
      if (event.action !== 0) return null;
      this.#keys.set(key, runs = new InlineRuns());
    }
    if (runs.size > 0 && runs.v0 >= MIN_VIEWS && event.action !== 1) {
      this.#keys.delete(key);
      return matchAlong(runs.p0, event);
    }
    if (event.action !== 0) return null;
    const order = runs.taken++;
    const last = { event, timestamp: event.eventTime, id: order, sequence, order };
    const n = runs.size;
    if (n > 0) runs.v0++, runs.p0 = { last, previous: runs.p0 };
    if (n > 1) runs.v1++, runs.p1 = { last, previous: runs.p1 };
    if (n > 2) runs.v2++, runs.p2 = { last, previous: runs.p2 };
    if (n > 3) runs.v3++, runs.p3 = { last, previous: runs.p3 };
    const rest = runs.rest;
    if (n > 4) {
      for (let i = 0; i < rest!.length; i += 2) {
        rest![i] = (rest![i] as number) + 1;
        rest![i + 1] = { last, previous: rest![i + 1] as PathNode };
      }
    }
    const path = { last, previous: null };
    if (n === 0) runs.v0 = 1, runs.p0 = path;
    else if (n === 1) runs.v1 = 1, runs.p1 = path;
    else if (n === 2) runs.v2 = 1, runs.p2 = path;
    else if (n === 3) runs.v3 = 1, runs.p3 = path;
    else (runs.rest ??= []).push(1, path);
    runs.size++;
    return null;
  }
}

/**
 * {@link InlineRuns} where `p0`… are the latest nodes of shared paths, with the runs' first records
 * (where a walk back along a shared path stops) and the latest node the key took; `rest` holds
 * `[views, node, start]` triples.
 */
class SharedPathRuns extends InlineRuns {
  s0: EventRecord | null = null;
  s1: EventRecord | null = null;
  s2: EventRecord | null = null;
  s3: EventRecord | null = null;
  latest: PathNode | null = null;
}

/**
 * Flink's runs inline, with path nodes shared: runs that take the same event under the same
 * pattern after the same node get one node between them, and a run that starts on an event shares
 * the node others take it with. A run's path is then the chain from its node back to its first
 * record, since every node on it after that record is an event the run took. In Rule 1 every run
 * takes every view, so a view costs one record and one node however many runs a key has.
 */
export class SharedPaths implements ReportingMatcher {
  readonly #keys = new Map<string, SharedPathRuns>();

  process(key: string, event: ClickEvent, sequence: number): ClickEvent[] | null {
    let runs = this.#keys.get(key);
    if (runs === undefined) {
      if (event.action !== 0) return null;
      this.#keys.set(key, runs = new SharedPathRuns());
    }
    if (runs.size > 0 && runs.v0 >= MIN_VIEWS && event.action !== 1) {
      this.#keys.delete(key);
      // In general the walk stops at the run's first record (`s0`); the earliest run of Rule 1 has
      // taken every view since the key's last match, so its path is the whole chain.
      return matchAlong(runs.p0, event);
    }
    if (event.action !== 0) return null;
    const order = runs.taken++;
    const last = { event, timestamp: event.eventTime, id: order, sequence, order };
    const node = { last, previous: runs.latest };
    runs.latest = node;
    const n = runs.size;
    if (n > 0) runs.v0++, runs.p0 = node;
    if (n > 1) runs.v1++, runs.p1 = node;
    if (n > 2) runs.v2++, runs.p2 = node;
    if (n > 3) runs.v3++, runs.p3 = node;
    const rest = runs.rest;
    if (n > 4) {
      for (let i = 0; i < rest!.length; i += 3) {
        rest![i] = (rest![i] as number) + 1;
        rest![i + 1] = node;
      }
    }
    if (n === 0) runs.v0 = 1, runs.p0 = node, runs.s0 = last;
    else if (n === 1) runs.v1 = 1, runs.p1 = node, runs.s1 = last;
    else if (n === 2) runs.v2 = 1, runs.p2 = node, runs.s2 = last;
    else if (n === 3) runs.v3 = 1, runs.p3 = node, runs.s3 = last;
    else (runs.rest ??= []).push(1, node, last);
    runs.size++;
    return null;
  }
}

/** A match read back from the latest node of a run's path: its events, then the end event. */
function matchAlong(latest: PathNode | null, end: ClickEvent): ClickEvent[] {
  const match: ClickEvent[] = [];
  for (let node = latest; node !== null; node = node.previous) match.push(node.last.event);
  match.reverse();
  match.push(end);
  return match;
}
