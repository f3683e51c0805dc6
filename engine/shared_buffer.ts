/**
 * The store of partial matches. Flink: `nfa/sharedbuffer/SharedBuffer.java` and
 * `SharedBufferAccessor.java`, with nodes held by reference instead of in keyed state.
 *
 * Every event taken by a run is stored once; a node ties an event to the pattern it was taken by,
 * and versioned edges point back to the previous node of each run. Reference counts on events,
 * nodes and edges free everything no run can reach any more.
 *
 * @module
 */

import { type DeweyNumber, isCompatibleWith } from "./dewey_number.ts";
import type { Event } from "./pattern.ts";

/**
 * A stored event. Flink: `EventId` plus the `Lockable` wrapper. `(timestamp, id)` orders events;
 * `id` counts events taken with the same timestamp.
 */
export interface EventRecord {
  readonly event: Event;
  readonly timestamp: number;
  readonly id: number;
  /** Arrival sequence assigned by the caller, used to know which input is still needed. */
  readonly sequence: number;
  refCount: number;
  /** Nodes of this event by page (pattern) name. Flink: `NodeId(eventId, pageName)`. */
  readonly nodes: Map<string, SharedBufferNode>;
}

/** Flink: `SharedBufferEdge` inside a `Lockable`. */
export interface SharedBufferEdge {
  readonly target: SharedBufferNode | null;
  readonly version: DeweyNumber;
  refCount: number;
}

/** Flink: `SharedBufferNode` inside a `Lockable`. */
export interface SharedBufferNode {
  readonly event: EventRecord;
  readonly page: string;
  refCount: number;
  edges: SharedBufferEdge[];
}

/** A match as event records by pattern name, in match order. */
export type EventIdMatch = Map<string, EventRecord[]>;

/**
 * Orders events as Flink's `EventId#compareTo`: by timestamp, then by id.
 * @returns negative, zero or positive
 */
export function compareEventRecords(a: EventRecord, b: EventRecord): number {
  return a.timestamp - b.timestamp || a.id - b.id;
}

/** Flink: `SharedBuffer` with its accessor's operations. One per key and rule. */
export class SharedBuffer {
  /** Flink: `eventsCount`, the next id per timestamp. */
  #eventsCount = new Map<number, number>();
  /** Live events in insertion order, so the oldest still needed is the first. */
  readonly #live = new Set<EventRecord>();

  /** Number of events still referenced by some run. */
  get eventCount(): number {
    return this.#live.size;
  }

  /** The arrival sequence of the oldest event still referenced, or `undefined`. */
  get oldestSequence(): number | undefined {
    for (const record of this.#live) return record.sequence;
    return undefined;
  }

  /**
   * Flink: `SharedBufferAccessor#registerEvent`. The record starts locked once, for the
   * duration of its processing.
   */
  registerEvent(event: Event, timestamp: number, sequence: number): EventRecord {
    const id = this.#eventsCount.get(timestamp) ?? 0;
    this.#eventsCount.set(timestamp, id + 1);
    const record: EventRecord = { event, timestamp, id, sequence, refCount: 1, nodes: new Map() };
    this.#live.add(record);
    return record;
  }

  /** Flink: `SharedBuffer#advanceTime`: ids restart for timestamps that can no longer occur. */
  advanceTime(timestamp: number): void {
    for (const ts of this.#eventsCount.keys()) {
      if (ts < timestamp) this.#eventsCount.delete(ts);
    }
  }

  /** Flink: `SharedBufferAccessor#put`. */
  put(
    page: string,
    record: EventRecord,
    previous: SharedBufferNode | null,
    version: DeweyNumber,
  ): SharedBufferNode {
    if (previous !== null) this.lockNode(previous, version);
    let node = record.nodes.get(page);
    if (node === undefined) {
      node = { event: record, page, refCount: 0, edges: [] };
      record.nodes.set(page, node);
      record.refCount++;
    }
    node.edges.push({ target: previous, version, refCount: 0 });
    return node;
  }

  /** Flink: `SharedBufferAccessor#lockNode`. */
  lockNode(node: SharedBufferNode, version: DeweyNumber): void {
    const entry = this.#entry(node);
    if (entry === null) return;
    entry.refCount++;
    for (const edge of entry.edges) {
      if (isCompatibleWith(version, edge.version)) edge.refCount++;
    }
  }

  /** Flink: `SharedBufferAccessor#releaseNode`, including its early exit on a missing node. */
  releaseNode(node: SharedBufferNode, version: DeweyNumber): void {
    const nodes: SharedBufferNode[] = [node];
    const versions: DeweyNumber[] = [version];
    while (nodes.length > 0) {
      const current = this.#entry(nodes.pop()!);
      if (current === null) break;
      const currentVersion = versions.pop()!;
      const kept: SharedBufferEdge[] = [];
      for (const edge of current.edges) {
        if (isCompatibleWith(currentVersion, edge.version) && --edge.refCount <= 0) {
          if (edge.target !== null) {
            nodes.push(edge.target);
            versions.push(edge.version);
          }
        } else {
          kept.push(edge);
        }
      }
      current.edges = kept;
      if (--current.refCount <= 0) {
        current.event.nodes.delete(current.page);
        this.releaseEvent(current.event);
      }
    }
  }

  /** Flink: `SharedBufferAccessor#releaseEvent`. */
  releaseEvent(record: EventRecord): void {
    if (--record.refCount <= 0) this.#live.delete(record);
  }

  /**
   * Flink: `SharedBufferAccessor#extractPatterns`: every path back from `node` whose edges are
   * compatible with `version`, each as events by pattern name in match order.
   */
  extractPatterns(node: SharedBufferNode, version: DeweyNumber): EventIdMatch[] {
    const result: EventIdMatch[] = [];
    const start = this.#entry(node);
    if (start === null) return result;
    type Extraction = {
      entry: SharedBufferNode | null;
      version: DeweyNumber;
      path: SharedBufferNode[];
    };
    const stack: Extraction[] = [{ entry: start, version, path: [] }];
    while (stack.length > 0) {
      const { entry, version: current, path } = stack.pop()!;
      if (entry === null) {
        const complete: EventIdMatch = new Map();
        for (let i = path.length - 1; i >= 0; i--) {
          const step = path[i]!;
          const events = complete.get(step.page);
          if (events === undefined) complete.set(step.page, [step.event]);
          else events.push(step.event);
        }
        result.push(complete);
        continue;
      }
      path.push(entry);
      let first = true;
      for (const edge of entry.edges) {
        if (!isCompatibleWith(current, edge.version)) continue;
        const newPath = first ? path : path.slice();
        first = false;
        const target = edge.target === null ? null : this.#entry(edge.target);
        stack.push({ entry: target, version: edge.version, path: newPath });
      }
    }
    return result;
  }

  /** Flink: `NodeId` lookup: a node exists while its event still lists it. */
  #entry(node: SharedBufferNode): SharedBufferNode | null {
    return node.event.nodes.get(node.page) ?? null;
  }
}

/**
 * Flink: `SharedBufferAccessor#materializeMatch`.
 * @param match event records by pattern name
 * @returns the events by pattern name
 */
export function materializeMatch(match: EventIdMatch): Map<string, Event[]> {
  const result = new Map<string, Event[]>();
  for (const [page, records] of match) result.set(page, records.map((r) => r.event));
  return result;
}
