/**
 * One key's NFA state as plain data, and back. Flink: `NFAStateSerializer` and the key's
 * `SharedBuffer` state, handed out and taken back as Flink's `CheckpointedFunction` does: the
 * engine gives data that `JSON.stringify` can hold and takes it back; where it goes is io/'s
 * business.
 *
 * The runs' paths are persistent lists whose prefixes runs share, and runs share the records of
 * the events they took (see computation_state.ts). The data keeps that sharing: every path node
 * and every record is written once, in a table, and referred to by its index, so its size
 * follows the state's, not the number of runs times their paths' length.
 *
 * @module
 */

import {
  compareComputationStates,
  type ComputationState,
  type EventRecord,
  NOT_STARTED,
} from "./computation_state.ts";
import type { Nfa } from "./nfa.ts";
import type { EventCounters, NfaState } from "./nfa_state.ts";
import type { Event } from "./pattern.ts";
import { PriorityQueue } from "./_priority_queue.ts";
import type { State } from "./state.ts";

/** The version of {@link NfaStateSnapshot}'s layout; restoring any other is refused. */
export const NFA_STATE_FORMAT_VERSION = 1;

/** A number as JSON holds it: the non-finite ones as strings. */
export type SnapshotNumber = number | "Infinity" | "-Infinity" | "NaN";

/** A taken event: `[timestamp, id, sequence, order, event]`, the fields of an `EventRecord`. */
export type SnapshotEvent = readonly [SnapshotNumber, number, SnapshotNumber, number, Event];

/**
 * A run, or a node of a run's path: `[state, page, event, previous]`. `state` and `page` index
 * `names`, `event` indexes `events` (-1: none yet), `previous` indexes `nodes` (-1: none) and is
 * always below the node's own index.
 */
export type SnapshotNode = readonly [number, number, number, number];

/**
 * Flink: `eventsCount` and the ranking position, the fields of `EventCounters`:
 * `[countTimestamp, count, high, nextOrder, olderCounts]`.
 */
export type SnapshotCounters = readonly [
  countTimestamp: SnapshotNumber,
  count: number,
  high: SnapshotNumber,
  nextOrder: number,
  olderCounts: readonly (readonly [SnapshotNumber, number])[],
];

/** One key's {@link NfaState} for one rule, as plain data. */
export interface NfaStateSnapshot {
  /** {@link NFA_STATE_FORMAT_VERSION} when written. */
  readonly version: number;
  /** The state names and pattern names that nodes refer to. */
  readonly names: readonly string[];
  readonly events: readonly SnapshotEvent[];
  readonly nodes: readonly SnapshotNode[];
  /** Flink: `partialMatches`, as node indices in the queue's array order. */
  readonly partialMatches: readonly number[];
  /** Flink: `completedMatches`, likewise (empty when none waits). */
  readonly completedMatches: readonly number[];
  readonly counters: SnapshotCounters;
}

function encodeNumber(n: number): SnapshotNumber {
  return Number.isFinite(n) ? n : (String(n) as SnapshotNumber);
}

/**
 * The state of one key as plain data: arrays, numbers, strings and the events themselves, which
 * must be JSON values for the data to survive `JSON.stringify`.
 * @param nfaState the key's state, between two steps of its NFA
 * @returns data that {@link restoreNfaState} turns back into an equal state
 */
export function snapshotNfaState(nfaState: NfaState): NfaStateSnapshot {
  const names = new Map<string, number>();
  const nameOf = (name: string) => {
    let i = names.get(name);
    if (i === undefined) names.set(name, i = names.size);
    return i;
  };
  const records = new Map<EventRecord, number>();
  const events: SnapshotEvent[] = [];
  const nodeIndex = new Map<ComputationState, number>();
  const nodes: SnapshotNode[] = [];
  const chain: ComputationState[] = [];
  const write = (run: ComputationState): number => {
    // The path back to the first node already written, so that a node follows its previous.
    for (let node = run; !nodeIndex.has(node);) {
      chain.push(node);
      if (node.previous === null) break;
      node = node.previous;
    }
    while (chain.length > 0) {
      const node = chain.pop()!;
      const { state, page, last, previous } = node;
      let event = -1;
      if (last !== null) {
        const known = records.get(last);
        if (known === undefined) {
          records.set(last, event = events.length);
          events.push([
            encodeNumber(last.timestamp),
            last.id,
            encodeNumber(last.sequence),
            last.order,
            last.event,
          ]);
        } else event = known;
      }
      const before = previous === null ? -1 : nodeIndex.get(previous)!;
      nodeIndex.set(node, nodes.length);
      nodes.push([nameOf(state.name), nameOf(page), event, before]);
    }
    return nodeIndex.get(run)!;
  };
  const partialMatches = [...nfaState.partialMatches].map(write);
  const completedMatches = [...nfaState.completedMatches ?? []].map(write);
  const counters = nfaState.eventCounters();
  return {
    version: NFA_STATE_FORMAT_VERSION,
    names: [...names.keys()],
    events,
    nodes,
    partialMatches,
    completedMatches,
    counters: [
      encodeNumber(counters.countTimestamp),
      counters.count,
      encodeNumber(counters.high),
      counters.nextOrder,
      counters.olderCounts.map(([ts, n]) => [encodeNumber(ts), n]),
    ],
  };
}

const CANNOT = "Cannot restore NFA state";

function quote(value: unknown): string {
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return `"${text.length > 40 ? `${text.slice(0, 40)}...` : text}"`;
}

function arrayAt(value: unknown, what: string, length?: number): readonly unknown[] {
  if (!Array.isArray(value) || (length !== undefined && value.length !== length)) {
    const shape = length === undefined ? "an array" : `an array of ${length}`;
    throw new TypeError(`${CANNOT}: ${what} must be ${shape}, got ${quote(value)}`);
  }
  return value;
}

function numberAt(value: unknown, what: string): number {
  if (typeof value === "number") return value;
  if (value === "Infinity" || value === "-Infinity" || value === "NaN") return Number(value);
  throw new TypeError(`${CANNOT}: ${what} must be a number, got ${quote(value)}`);
}

/** An integer in `[min, max)`. */
function integerAt(value: unknown, what: string, min: number, max = Infinity): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${CANNOT}: ${what} must be an integer, got ${quote(value)}`);
  }
  if (value < min || value >= max) {
    throw new RangeError(`${CANNOT}: ${what} is ${quote(value)}, out of range`);
  }
  return value;
}

/**
 * Takes back the state {@link snapshotNfaState} gave, for the same rule's NFA (compiled again
 * or not): processing goes on exactly as if no snapshot had been taken, with the same matches,
 * timeouts and tie order.
 * @param nfa the NFA of the rule the state belongs to
 * @param data a {@link NfaStateSnapshot}, for instance read back with `JSON.parse`
 * @returns a new state for the key
 * @throws {RangeError} when the data has another format version, names a state the NFA does
 * not have, or an index out of range
 * @throws {TypeError} when the data is not shaped as a {@link NfaStateSnapshot}
 */
export function restoreNfaState(nfa: Nfa, data: unknown): NfaState {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new TypeError(`${CANNOT}: expected an object, got ${quote(data)}`);
  }
  const snapshot = data as { readonly [field in keyof NfaStateSnapshot]?: unknown };
  if (snapshot.version !== NFA_STATE_FORMAT_VERSION) {
    throw new RangeError(
      `${CANNOT}: format version ${quote(snapshot.version)} is not supported ` +
        `(this edgecep reads ${NFA_STATE_FORMAT_VERSION})`,
    );
  }
  const names = arrayAt(snapshot.names, "names").map((name, i) => {
    if (typeof name !== "string") {
      throw new TypeError(`${CANNOT}: names[${i}] must be a string, got ${quote(name)}`);
    }
    return name;
  });
  const records = arrayAt(snapshot.events, "events").map((value, i): EventRecord => {
    const what = `events[${i}]`;
    const [timestamp, id, sequence, order, event] = arrayAt(value, what, 5);
    if (typeof event !== "object" || event === null || Array.isArray(event)) {
      throw new TypeError(`${CANNOT}: ${what} must end with an event object, got ${quote(event)}`);
    }
    return {
      event: event as Event,
      timestamp: numberAt(timestamp, `${what} timestamp`),
      id: integerAt(id, `${what} id`, 0),
      sequence: numberAt(sequence, `${what} sequence`),
      order: integerAt(order, `${what} order`, -1, NOT_STARTED),
    };
  });

  const restored = nfa.createInitialNfaState();
  // A run without an event is the same for every key: reuse the NFA's own.
  const startRuns = new Map<State, ComputationState>();
  for (const run of restored) startRuns.set(run.state, run);
  const pages = new Set([""]);
  for (const state of nfa.states.values()) pages.add(state.page);
  const runs: ComputationState[] = [];
  arrayAt(snapshot.nodes, "nodes").forEach((value, i) => {
    const what = `nodes[${i}]`;
    const [s, p, e, b] = arrayAt(value, what, 4);
    const name = names[integerAt(s, `${what} state`, 0, names.length)]!;
    const state = nfa.states.get(name);
    if (state === undefined) {
      throw new RangeError(`${CANNOT}: state ${quote(name)} is not in the compiled NFA`);
    }
    const page = names[integerAt(p, `${what} page`, 0, names.length)]!;
    if (!pages.has(page)) {
      throw new RangeError(`${CANNOT}: pattern ${quote(page)} is not in the compiled NFA`);
    }
    const event = integerAt(e, `${what} event`, -1, records.length);
    const before = integerAt(b, `${what} previous`, -1, i);
    const last = event < 0 ? null : records[event]!;
    const previous = before < 0 ? null : runs[before]!;
    if (last === null) {
      if (previous !== null) {
        throw new TypeError(`${CANNOT}: ${what} has a previous node but no event`);
      }
      runs.push(page === "" ? startRuns.get(state) ?? startOf(state, page) : startOf(state, page));
      return;
    }
    // Flink: NFA#computeNextStates: a run's first event is its path's first; its rank is that
    // event's (the engine keeps both in the run only to read them without walking the path).
    const start = previous === null ? last : previous.start!;
    runs.push({ state, page, last, previous, start, order: start.order });
  });
  const runsAt = (field: "partialMatches" | "completedMatches") =>
    arrayAt(snapshot[field], field).map((i, k) =>
      runs[integerAt(i, `${field}[${k}]`, 0, runs.length)]!
    );

  restored.assign(runsAt("partialMatches"));
  const completed = runsAt("completedMatches");
  if (completed.length > 0) {
    restored.completedMatches = new PriorityQueue(compareComputationStates);
    restored.completedMatches.assign(completed);
  }
  restored.restoreEventCounters(countersOf(snapshot.counters));
  return restored;
}

function startOf(state: State, page: string): ComputationState {
  return { state, page, last: null, previous: null, start: null, order: NOT_STARTED };
}

function countersOf(value: unknown): EventCounters {
  const [countTimestamp, count, high, nextOrder, olderCounts] = arrayAt(value, "counters", 5);
  return {
    countTimestamp: numberAt(countTimestamp, "counters countTimestamp"),
    count: integerAt(count, "counters count", 0),
    olderCounts: arrayAt(olderCounts, "counters olderCounts").map((entry, i) => {
      const what = `counters olderCounts[${i}]`;
      const [ts, n] = arrayAt(entry, what, 2);
      return [numberAt(ts, `${what} timestamp`), integerAt(n, `${what} count`, 0)];
    }),
    high: numberAt(high, "counters high"),
    nextOrder: integerAt(nextOrder, "counters nextOrder", 0, NOT_STARTED + 1),
  };
}
