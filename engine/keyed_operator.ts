/**
 * Runs several rules over a keyed stream: one NFA state per key and rule, event-time buffering
 * with late-event dropping, and processing time. Flink: `CepOperator` as driven by
 * `CEP.dynamicPatterns` (one operator, many pattern processors).
 *
 * State is key-major: each key that has state has one {@link KeyState} holding its state for
 * each rule. An event visits the rules its key has state for and the rules it may start, found by
 * the start index (`_start_index.ts`) rather than by trying every rule; the rules' conditions are
 * evaluated once per event however many rules share them (`_condition_values.ts`). Rules are
 * visited in the order they were first set, as Flink's operator visits its pattern processors,
 * so an event's matches come in that order.
 *
 * @module
 */

import { EventTimeBuffer } from "./_event_time_buffer.ts";
import { ConditionValues } from "./_condition_values.ts";
import { KeyState } from "./_key_state.ts";
import { KeyedNfa, type RuleRef } from "./_keyed_nfa.ts";
import { StartIndex } from "./_start_index.ts";
import type { Match, NfaState, RunEvent, TimedOutMatch } from "./nfa_state.ts";
import { type NfaStateSnapshot, restoreNfaState, snapshotNfaState } from "./nfa_state_snapshot.ts";
import { capPartialMatches } from "./partial_match_cap.ts";
import type { Event, PatternDefinition } from "./pattern.ts";

export type { RuleRef } from "./_keyed_nfa.ts";

/** Flink: `TimeBehaviour`. */
export type TimeBehaviour = "EventTime" | "ProcessingTime";

/**
 * Where an event came from, as the caller numbers it: a `group` (a source partition: the keys of
 * one group are checkpointed and handed over together) and a `position` in it (an offset). The
 * operator copies both where it keeps the event, so the caller may reuse one object.
 */
export interface EventOrigin {
  group: number;
  position: number;
}

/** A completed match of one rule for one key. */
export interface RuleMatch {
  readonly rule: RuleRef;
  readonly key: string;
  readonly match: Match;
  /** The group of the key. */
  readonly group: number;
  /** The position of the event that completed the match, or -1 when time completed it. */
  readonly position: number;
  /** The time of that event, or the time the operator was advanced to. */
  readonly timestamp: number;
}

/** A partial match that a window expired, and when. */
export interface RuleTimeout extends RuleMatch {
  readonly timestamp: number;
}

/** What one call produced. */
export interface OperatorOutput {
  readonly matches: RuleMatch[];
  readonly timedOut: RuleTimeout[];
  /** Events dropped because their timestamp was not above the watermark. */
  readonly late: number;
}

/** A {@link RunEvent} with the rule and key it happened in. */
export type OperatorRunEvent = RunEvent & { readonly rule: RuleRef; readonly key: string };

/** The version of {@link KeySnapshot} and of buffered events' snapshots, written and read. */
export const OPERATOR_STATE_FORMAT_VERSION = 1;

/** One key's state as plain data: its NFA state for each rule, named by id and version. */
export interface KeySnapshot {
  readonly version: number;
  readonly lastSeen: number | null;
  readonly rules: readonly {
    readonly id: string;
    readonly version: number;
    readonly state: NfaStateSnapshot;
  }[];
}

/** A buffered event as plain data: key, timestamp, position and the event. */
export type BufferedSnapshot = readonly [string, number, number, Event];

/** Options for {@link KeyedOperator}. */
export interface KeyedOperatorOptions {
  readonly timeBehaviour: TimeBehaviour;
  /**
   * Keep a list of the keys whose state changed, for {@link KeyedOperator.takeChangedKeys}: on
   * for a job that checkpoints (which takes the list), off by default.
   */
  readonly trackChanges?: boolean;
  /** At most this many partial matches per key and rule, the oldest dropped; default no cap. */
  readonly maxPartialMatchesPerKey?: number;
  /** Receives what happens to every run (for `backtest --explain`); off by default. */
  readonly listener?: (event: OperatorRunEvent) => void;
}

interface Buffered {
  readonly key: string;
  readonly event: Event;
  readonly timestamp: number;
  readonly sequence: number;
  readonly group: number;
  readonly position: number;
}

/** The origin of events whose caller gives none. */
const NO_ORIGIN: EventOrigin = Object.freeze({ group: 0, position: 0 });

/** As many as `KeyedNfa` keeps free states, for the same reason. */
const MAX_FREE_ENTRIES = 1024;

/** The output of most calls: shared, so it must never be written to. */
const NOTHING: OperatorOutput = Object.freeze({
  matches: Object.freeze([]) as unknown as RuleMatch[],
  timedOut: Object.freeze([]) as unknown as RuleTimeout[],
  late: 0,
});

/** Runs rules over keyed events. Synchronous and pure: time only moves when told. */
export class KeyedOperator {
  readonly #timeBehaviour: TimeBehaviour;
  readonly #listener: ((event: OperatorRunEvent) => void) | undefined;
  readonly #trackChanges: boolean;
  readonly #cap: number;
  /** Entries marked `changed` since the last {@link takeChangedKeys}. */
  #changed: KeyState[] = [];
  /** Keys deleted since then, with their groups. */
  #deleted: { key: string; group: number }[] = [];
  #capped = 0;
  #otherGroup = 0;
  /** During an event: where it came from. */
  #group = 0;
  #position = 0;
  /** The rules by id, in their order (a replaced rule keeps its place, as in a Map). */
  readonly #rules = new Map<string, KeyedNfa>();
  #nextOrder = 0;
  /** Every key's state: keys without state for any rule have no entry. */
  readonly #keys = new Map<string, KeyState>();
  /** During an event: its key's entry, kept up to date as rules start and go idle. */
  #entry: KeyState | undefined;
  /** Entries of keys that went idle: see `KeyState#reuse`. */
  readonly #freeEntries: KeyState[] = [];
  readonly #conditionValues = new ConditionValues();
  readonly #freeStates: NfaState[] = [];
  /** Built from `#rules` when an event first needs it after a rule change. */
  #index: StartIndex<KeyedNfa> | null = null;
  /** The rules an event visits, and a number marking each visit. */
  readonly #visited: KeyedNfa[] = [];
  #stamp = 0;
  readonly #buffer = new EventTimeBuffer<Buffered>();
  #watermark = -Infinity;
  #nextSequence = 0;

  /** @param options event time or processing time */
  constructor(options: KeyedOperatorOptions) {
    this.#timeBehaviour = options.timeBehaviour;
    this.#listener = options.listener;
    this.#trackChanges = options.trackChanges ?? false;
    const cap = options.maxPartialMatchesPerKey ?? Infinity;
    if (!(cap >= 1)) {
      throw new RangeError(`Invalid maxPartialMatchesPerKey "${cap}": expected an integer >= 1`);
    }
    this.#cap = cap;
  }

  /** Partial matches dropped by `maxPartialMatchesPerKey` so far. */
  get cappedPartialMatches(): number {
    return this.#capped;
  }

  /** Events whose key had state from another group: their producer does not key by user. */
  get keysFromOtherGroup(): number {
    return this.#otherGroup;
  }

  /** Number of keys with state for some rule. */
  get keyCount(): number {
    return this.#keys.size;
  }

  /** The current event-time watermark. */
  get watermark(): number {
    return this.#watermark;
  }

  /** Number of events waiting for the watermark. */
  get bufferedEvents(): number {
    return this.#buffer.size;
  }

  /** The rules that run, with their versions. */
  get rules(): RuleRef[] {
    return [...this.#rules.values()].map((r) => r.rule);
  }

  /**
   * Starts a rule with fresh state, replacing any rule with the same id.
   * @throws {MalformedPatternError} if the pattern does not compile
   */
  setRule(rule: RuleRef, definition: PatternDefinition): void {
    const replaced = this.#rules.get(rule.id);
    const listener = this.#listener;
    const compiled = new KeyedNfa(rule, definition, {
      order: replaced?.order ?? this.#nextOrder++,
      conditionValues: this.#conditionValues,
      freeStates: this.#freeStates,
      listener: listener === undefined
        ? undefined
        : (event: RunEvent, key: string) => listener({ ...event, rule, key }),
    });
    if (replaced !== undefined) this.#drop(replaced);
    this.#rules.set(rule.id, compiled);
    this.#index = null;
  }

  /** Stops a rule and frees its state. */
  removeRule(id: string): void {
    const removed = this.#rules.get(id);
    if (removed === undefined) return;
    this.#drop(removed);
    this.#rules.delete(id);
    this.#index = null;
  }

  /** Frees every key's state for a rule that stops, and what the rule holds. */
  #drop(rule: KeyedNfa): void {
    if (rule.keys > 0) {
      for (const entry of this.#keys.values()) {
        this.#forget(entry, rule);
      }
    }
    rule.nfa.release();
    // The visit list holds rules from past events; let the stopped one go.
    this.#visited.length = 0;
  }

  /**
   * Offers one event to every rule. In event time it waits for the watermark (or is dropped as
   * late); in processing time `timestamp` is the arrival time and it is matched at once.
   * @param key the event's key, e.g. its user and product
   * @param event the event's fields
   * @param timestamp event time, or arrival time in processing time
   * @param origin where the event came from; copied, so one object may serve every call
   */
  processElement(
    key: string,
    event: Event,
    timestamp: number,
    origin: EventOrigin = NO_ORIGIN,
  ): OperatorOutput {
    const sequence = this.#nextSequence++;
    const { group, position } = origin;
    if (this.#timeBehaviour === "EventTime") {
      if (timestamp <= this.#watermark) return { matches: [], timedOut: [], late: 1 };
      this.#buffer.push({ key, event, timestamp, sequence, group, position });
      return NOTHING;
    }
    this.#group = group;
    this.#position = position;
    return this.#feed(key, event, timestamp, sequence, null);
  }

  /**
   * Event time: releases buffered events up to `watermark` in timestamp order, then expires
   * windows. Flink: `CepOperator#onEventTime`.
   */
  advanceWatermark(watermark: number): OperatorOutput {
    const out: OperatorOutput = { matches: [], timedOut: [], late: 0 };
    if (watermark <= this.#watermark) return out;
    this.#watermark = watermark;
    for (
      let next = this.#buffer.peek();
      next !== undefined && next.timestamp <= watermark;
      next = this.#buffer.peek()
    ) {
      this.#buffer.pop();
      this.#group = next.group;
      this.#position = next.position;
      this.#feed(next.key, next.event, next.timestamp, next.sequence, out);
    }
    this.#expire(watermark, out);
    return out;
  }

  /** Processing time: expires windows up to `now` even when no event arrives. */
  advanceProcessingTime(now: number): OperatorOutput {
    const out: OperatorOutput = { matches: [], timedOut: [], late: 0 };
    this.#expire(now, out);
    return out;
  }

  /** Number of runs that have taken an event, per rule id. */
  partialMatchCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const id of this.#rules.keys()) counts.set(id, 0);
    for (const entry of this.#keys.values()) {
      for (let i = 0; i < entry.size; i++) {
        const id = entry.ruleAt(i).rule.id;
        counts.set(id, counts.get(id)! + entry.stateAt(i).livePartialMatches);
      }
    }
    return counts;
  }

  /**
   * Takes the keys whose state changed since the last call, those that lost it included: what an
   * incremental checkpoint writes. Only with `trackChanges`.
   * @returns each key once, with its group; read its current state with {@link snapshotKey}
   */
  takeChangedKeys(): { key: string; group: number }[] {
    const keys = new Map<string, number>();
    for (const { key, group } of this.#deleted) keys.set(key, group);
    for (const entry of this.#changed) {
      entry.changed = false;
      keys.set(entry.key, entry.group);
    }
    this.#deleted = [];
    this.#changed = [];
    return [...keys].map(([key, group]) => ({ key, group }));
  }

  /**
   * One key's state as plain data (JSON-compatible), or `null` when it has none.
   * Flink: `CheckpointedFunction#snapshotState`, for one key.
   */
  snapshotKey(key: string): KeySnapshot | null {
    const entry = this.#keys.get(key);
    if (entry === undefined) return null;
    const rules = [];
    for (let i = 0; i < entry.size; i++) {
      const { id, version } = entry.ruleAt(i).rule;
      rules.push({ id, version, state: snapshotNfaState(entry.stateAt(i)) });
    }
    const lastSeen = Number.isFinite(entry.lastSeen) ? entry.lastSeen : null;
    return { version: OPERATOR_STATE_FORMAT_VERSION, lastSeen, rules };
  }

  /**
   * Restores one key's state from {@link snapshotKey}'s data, replacing what it has. The state of
   * a rule that no longer runs at the same id and version is dropped, as a rule change drops it.
   * @param key the key
   * @param group the group its events come from
   * @param data the snapshot, parsed from JSON
   * @returns how many rules' states were restored
   * @throws {RangeError} if the snapshot has another format version
   * @throws {TypeError} if it is not a key snapshot
   */
  restoreKey(key: string, group: number, data: KeySnapshot): number {
    if (typeof data !== "object" || data === null || !Array.isArray(data.rules)) {
      throw new TypeError(`Cannot restore the state of key "${key}": it is not a key snapshot`);
    }
    if (data.version !== OPERATOR_STATE_FORMAT_VERSION) {
      throw new RangeError(
        `Cannot restore the state of key "${key}": format version "${data.version}" is not ` +
          `supported (this edgecep reads ${OPERATOR_STATE_FORMAT_VERSION})`,
      );
    }
    this.#dropKey(key, false);
    let entry: KeyState | undefined;
    let restored = 0;
    for (const snapshot of data.rules) {
      const rule = this.#rules.get(snapshot.id);
      if (rule === undefined || rule.rule.version !== snapshot.version) continue;
      const state = restoreNfaState(rule.nfa, snapshot.state);
      if (entry === undefined) this.#keys.set(key, entry = this.#newEntry(key, rule, state));
      else entry.add(rule, state);
      rule.schedule(key, state);
      restored++;
    }
    if (entry !== undefined) {
      entry.group = group;
      entry.lastSeen = data.lastSeen ?? -Infinity;
    }
    return restored;
  }

  /**
   * The buffered events of a group as plain data, in the order they will be released.
   * @param group the group
   */
  snapshotBuffered(group: number): BufferedSnapshot[] {
    return this.#buffer.ofGroup(group).map((
      b,
    ): BufferedSnapshot => [b.key, b.timestamp, b.position, b.event]);
  }

  /**
   * Buffers events again from {@link snapshotBuffered}'s data, after any already buffered.
   * @param group the group they belong to
   * @param data the snapshot, parsed from JSON
   * @returns how many events were buffered
   * @throws {TypeError} if the data is not such a snapshot
   */
  restoreBuffered(group: number, data: unknown): number {
    if (!Array.isArray(data)) {
      throw new TypeError(`Cannot restore buffered events of group ${group}: not a list`);
    }
    for (const item of data as BufferedSnapshot[]) {
      const [key, timestamp, position, event] = item;
      if (typeof key !== "string" || typeof timestamp !== "number") {
        throw new TypeError(`Cannot restore buffered events of group ${group}: malformed entry`);
      }
      const sequence = this.#nextSequence++;
      this.#buffer.push({ key, event, timestamp, sequence, group, position });
    }
    return data.length;
  }

  /** Moves the watermark up to `watermark` (a restored checkpoint's), never back. */
  restoreWatermark(watermark: number): void {
    if (watermark > this.#watermark) this.#watermark = watermark;
  }

  /**
   * Forgets every key and buffered event of a group, as when its partition goes to another
   * instance. Not reported by {@link takeChangedKeys}: the state stays in the checkpoint.
   */
  dropGroup(group: number): void {
    for (const entry of [...this.#keys.values()]) {
      if (entry.group === group) this.#dropKey(entry.key, false);
    }
    this.#buffer.dropGroup(group);
  }

  /**
   * Drops the state of keys whose latest event is older than `before`: an opt-in TTL, since
   * Flink keeps a partial match without a window for ever.
   * @returns how many partial matches were dropped
   */
  dropIdleKeys(before: number): number {
    let dropped = 0;
    for (const entry of [...this.#keys.values()]) {
      if (entry.lastSeen >= before) continue;
      for (let i = 0; i < entry.size; i++) dropped += entry.stateAt(i).livePartialMatches;
      this.#dropKey(entry.key, true);
    }
    return dropped;
  }

  /** Removes a key's state for every rule; a deletion to checkpoint when `report` is set. */
  #dropKey(key: string, report: boolean): void {
    const entry = this.#keys.get(key);
    if (entry === undefined) return;
    while (entry.size > 0) {
      const rule = entry.ruleAt(0);
      const state = entry.stateAt(0);
      this.#forget(entry, rule, report);
      rule.recycle(state);
    }
  }

  /**
   * Feeds one event to the rules its key has state for and the rules it may start, in the rules'
   * order; allocates an output only when there is something in it.
   */
  #feed(
    key: string,
    event: Event,
    timestamp: number,
    sequence: number,
    into: OperatorOutput | null,
  ): OperatorOutput {
    const entry = this.#entry = this.#keys.get(key);
    if (entry !== undefined && entry.group !== this.#group) this.#otherGroup++;
    const index = this.#index ??= new StartIndex([...this.#rules.values()]);
    let out = into;
    if (index.all !== null) {
      // Few rules: trying each is as fast as finding them (see StartIndex#all).
      const rules = index.all;
      for (let r = 0; r < rules.length; r++) {
        const rule = rules[r]!;
        const current = this.#entry;
        const state = current === undefined ? undefined : current.stateOf(rule);
        out = this.#visit(rule, state, key, event, timestamp, sequence, out);
      }
      this.#touch(timestamp);
      return out ?? NOTHING;
    }
    const visited = this.#visited;
    const stamp = ++this.#stamp;
    let n = 0;
    if (entry !== undefined) {
      for (let i = 0; i < entry.size; i++) {
        const rule = entry.ruleAt(i);
        rule.stamp = stamp;
        rule.current = entry.stateAt(i);
        visited[n++] = rule;
      }
    }
    n = index.collect(event, visited, n, stamp);
    if (n > 1) sortByOrder(visited, n);
    for (let r = 0; r < n; r++) {
      const rule = visited[r]!;
      const state = rule.current;
      rule.current = undefined;
      out = this.#visit(rule, state, key, event, timestamp, sequence, out);
    }
    this.#touch(timestamp);
    return out ?? NOTHING;
  }

  /** After an event: the key, if it still has state, saw it now and changed. */
  #touch(timestamp: number): void {
    const entry = this.#entry;
    if (entry === undefined) return;
    entry.lastSeen = timestamp;
    this.#markChanged(entry);
  }

  #markChanged(entry: KeyState): void {
    if (!this.#trackChanges || entry.changed) return;
    entry.changed = true;
    this.#changed.push(entry);
  }

  /** Feeds one event to one rule, given the key's state for it. */
  #visit(
    rule: KeyedNfa,
    current: NfaState | undefined,
    key: string,
    event: Event,
    timestamp: number,
    sequence: number,
    into: OperatorOutput | null,
  ): OperatorOutput | null {
    let state = current;
    if (state === undefined) {
      // Most events open nothing for a key without runs: keep no state for them.
      if (!rule.nfa.wouldStart(event)) return into;
      state = rule.createState();
    }
    let out = into;
    rule.currentKey = key;
    const advanced = rule.nfa.advanceTime(state, timestamp);
    if (advanced.matches.length > 0 || advanced.timedOut.length > 0) {
      out ??= { matches: [], timedOut: [], late: 0 };
      collect(rule, key, advanced, out, this.#group, -1, timestamp);
    }
    const matches = rule.nfa.process(state, event, timestamp, sequence);
    if (matches.length > 0) {
      out ??= { matches: [], timedOut: [], late: 0 };
      collect(rule, key, { matches, timedOut: [] }, out, this.#group, this.#position, timestamp);
    }
    if (state.size > this.#cap) this.#capped += capPartialMatches(state, this.#cap);
    if (state.idle) {
      if (current !== undefined && this.#forget(this.#entry!, rule)) this.#entry = undefined;
      rule.recycle(state);
      return out;
    }
    if (current === undefined) {
      const entry = this.#entry;
      if (entry === undefined) {
        this.#keys.set(key, this.#entry = this.#newEntry(key, rule, state));
        this.#entry.group = this.#group;
      } else entry.add(rule, state);
    }
    rule.schedule(key, state);
    return out;
  }

  #newEntry(key: string, rule: KeyedNfa, state: NfaState): KeyState {
    const entry = this.#freeEntries.pop();
    if (entry === undefined) return new KeyState(key, rule, state);
    entry.reuse(key, rule, state);
    return entry;
  }

  /**
   * Drops a key's state for a rule, and the key's entry with its last state: a change, or a
   * deletion when the entry goes (unless `report` is false: the state stays in the checkpoint).
   * A listed entry stays listed: if it is reused, its new key is reported too, which is harmless,
   * as a checkpoint reads each key's current state.
   * @returns whether the entry went
   */
  #forget(entry: KeyState, rule: KeyedNfa, report = true): boolean {
    entry.remove(rule);
    if (entry.size > 0) {
      if (report) this.#markChanged(entry);
      return false;
    }
    this.#keys.delete(entry.key);
    if (this.#trackChanges && report) this.#deleted.push({ key: entry.key, group: entry.group });
    if (this.#freeEntries.length < MAX_FREE_ENTRIES) this.#freeEntries.push(entry);
    return true;
  }

  #expire(now: number, out: OperatorOutput): void {
    for (const rule of this.#rules.values()) {
      for (
        let due = rule.deadlines.peek();
        due !== undefined && due.at <= now;
        due = rule.deadlines.peek()
      ) {
        rule.deadlines.pop();
        const entry = this.#keys.get(due.key);
        const state = entry?.stateOf(rule);
        // Entries are not removed when a key moves on, so skip the stale ones.
        if (state === undefined || rule.nfa.nextDeadline(state) !== due.at) continue;
        rule.currentKey = due.key;
        const advanced = rule.nfa.advanceTime(state, now);
        collect(rule, due.key, advanced, out, entry!.group, -1, now);
        if (state.idle) {
          this.#forget(entry!, rule);
          rule.recycle(state);
        } else {
          this.#markChanged(entry!);
          rule.schedule(due.key, state);
        }
      }
    }
  }
}

/** Sorts the first `n` rules by their order: few, and mostly sorted already. */
function sortByOrder(rules: KeyedNfa[], n: number): void {
  if (n > 32) {
    const sorted = rules.slice(0, n).sort((a, b) => a.order - b.order);
    for (let i = 0; i < n; i++) rules[i] = sorted[i]!;
    return;
  }
  for (let i = 1; i < n; i++) {
    const rule = rules[i]!;
    let j = i - 1;
    for (; j >= 0 && rules[j]!.order > rule.order; j--) rules[j + 1] = rules[j]!;
    rules[j + 1] = rule;
  }
}

/** Adds an NFA step's output to `out`, with where it happened. */
function collect(
  rule: KeyedNfa,
  key: string,
  step: { readonly matches: readonly Match[]; readonly timedOut: readonly TimedOutMatch[] },
  out: OperatorOutput,
  group: number,
  position: number,
  timestamp: number,
): void {
  const { rule: ref } = rule;
  for (const match of step.matches) {
    out.matches.push({ rule: ref, key, match, group, position, timestamp });
  }
  for (const t of step.timedOut) {
    out.timedOut.push({
      rule: ref,
      key,
      match: t.match,
      group,
      position: -1,
      timestamp: t.timestamp,
    });
  }
}
