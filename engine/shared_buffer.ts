/**
 * The store of partial matches. Flink: `nfa/sharedbuffer/SharedBuffer.java` and
 * `SharedBufferAccessor.java`, with nodes held by reference instead of in keyed state.
 *
 * Every event taken by a run is stored once; a node ties an event to the pattern it was taken by,
 * and versioned edges point back to the previous node of each run. Reference counts on events,
 * nodes and edges free everything no run can reach any more.
 *
 * One buffer exists per key and rule, so its fixed cost matters: it holds no Map or Set unless
 * an unusual case needs one.
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
  /** The first node of this event; Flink: `NodeId(eventId, pageName)`. */
  node: SharedBufferNode | null;
  /** Nodes of further pages, for an event taken by several patterns (rare). */
  nodes: Map<string, SharedBufferNode> | null;
}

/** Flink: `SharedBufferEdge` inside a `Lockable`. */
export interface SharedBufferEdge {
  readonly target: SharedBufferNode | null;
  readonly version: DeweyNumber;
  refCount: number;
}

/**
 * Flink: `SharedBufferNode` inside a `Lockable`. Nearly every node has one edge, so the first
 * edge lives in the node's own fields (`target`, `version`, `edgeRefCount`, while `hasEdge`) and
 * only further edges, in insertion order after it, get objects in `more`.
 */
export interface SharedBufferNode {
  readonly event: EventRecord;
  readonly page: string;
  refCount: number;
  /** Set when the node is removed, as Flink's lookup of its `NodeId` would then fail. */
  removed: boolean;
  hasEdge: boolean;
  target: SharedBufferNode | null;
  version: DeweyNumber;
  edgeRefCount: number;
  more: SharedBufferEdge[] | null;
}

/** The node's edges in Flink's order, for the rare paths that need them as objects. */
function edgesOf(node: SharedBufferNode): SharedBufferEdge[] {
  const edges: SharedBufferEdge[] = [];
  if (node.hasEdge) {
    edges.push({ target: node.target, version: node.version, refCount: node.edgeRefCount });
  }
  if (node.more !== null) edges.push(...node.more);
  return edges;
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

function findNode(record: EventRecord, page: string): SharedBufferNode | undefined {
  const first = record.node;
  if (first !== null && first.page === page) return first;
  return record.nodes?.get(page);
}

// Scratch stacks for releaseNode, which never re-enters itself.
const releaseNodes: SharedBufferNode[] = [];
const releaseVersions: DeweyNumber[] = [];

/** Flink: `SharedBuffer` with its accessor's operations. One per key and rule. */
export class SharedBuffer {
  /** Flink's `eventsCount` (next id per timestamp) for the latest timestamp... */
  #countTimestamp = NaN;
  #count = 0;
  /** ...and for older timestamps not yet cleared by advanceTime (rare). */
  #olderCounts: Map<number, number> | null = null;

  /**
   * Flink: `SharedBufferAccessor#registerEvent`. The record starts locked once, for the
   * duration of its processing.
   */
  registerEvent(event: Event, timestamp: number, sequence: number): EventRecord {
    if (timestamp !== this.#countTimestamp) this.#switchCounter(timestamp);
    const id = this.#count++;
    return { event, timestamp, id, sequence, refCount: 1, node: null, nodes: null };
  }

  #switchCounter(timestamp: number): void {
    let older = this.#olderCounts;
    if (!Number.isNaN(this.#countTimestamp)) {
      (older ??= new Map()).set(this.#countTimestamp, this.#count);
    }
    this.#count = older?.get(timestamp) ?? 0;
    older?.delete(timestamp);
    this.#olderCounts = older !== null && older.size > 0 ? older : null;
    this.#countTimestamp = timestamp;
  }

  /** Flink: `SharedBuffer#advanceTime`: ids restart for timestamps that can no longer occur. */
  advanceTime(timestamp: number): void {
    if (this.#countTimestamp < timestamp) {
      this.#countTimestamp = NaN;
      this.#count = 0;
    }
    const older = this.#olderCounts;
    if (older === null) return;
    for (const ts of older.keys()) if (ts < timestamp) older.delete(ts);
    if (older.size === 0) this.#olderCounts = null;
  }

  /** Flink: `SharedBufferAccessor#put`. */
  put(
    page: string,
    record: EventRecord,
    previous: SharedBufferNode | null,
    version: DeweyNumber,
  ): SharedBufferNode {
    if (previous !== null) this.lockNode(previous, version);
    let node = findNode(record, page);
    if (node === undefined) {
      node = {
        event: record,
        page,
        refCount: 0,
        removed: false,
        hasEdge: true,
        target: previous,
        version,
        edgeRefCount: 0,
        more: null,
      };
      if (record.node === null) record.node = node;
      else (record.nodes ??= new Map()).set(page, node);
      record.refCount++;
    } else if (!node.hasEdge && (node.more === null || node.more.length === 0)) {
      // The only edge: the inline slot keeps the order.
      node.hasEdge = true;
      node.target = previous;
      node.version = version;
      node.edgeRefCount = 0;
    } else {
      (node.more ??= []).push({ target: previous, version, refCount: 0 });
    }
    return node;
  }

  /** Flink: `SharedBufferAccessor#lockNode`. */
  lockNode(node: SharedBufferNode, version: DeweyNumber): void {
    if (node.removed) return;
    node.refCount++;
    if (node.hasEdge && isCompatibleWith(version, node.version)) node.edgeRefCount++;
    const more = node.more;
    if (more === null) return;
    for (let i = 0; i < more.length; i++) {
      const edge = more[i]!;
      if (isCompatibleWith(version, edge.version)) edge.refCount++;
    }
  }

  /** Flink: `SharedBufferAccessor#releaseNode`, including its early exit on a missing node. */
  releaseNode(node: SharedBufferNode, version: DeweyNumber): void {
    const nodes = releaseNodes;
    const versions = releaseVersions;
    nodes.push(node);
    versions.push(version);
    while (nodes.length > 0) {
      const current = nodes.pop()!;
      const currentVersion = versions.pop()!;
      if (current.removed) {
        nodes.length = 0;
        versions.length = 0;
        break;
      }
      if (
        current.hasEdge && isCompatibleWith(currentVersion, current.version) &&
        --current.edgeRefCount <= 0
      ) {
        current.hasEdge = false;
        if (current.target !== null) {
          nodes.push(current.target);
          versions.push(current.version);
          current.target = null;
        }
      }
      const more = current.more;
      if (more !== null) {
        let kept = 0;
        for (let i = 0; i < more.length; i++) {
          const edge = more[i]!;
          if (isCompatibleWith(currentVersion, edge.version) && --edge.refCount <= 0) {
            if (edge.target !== null) {
              nodes.push(edge.target);
              versions.push(edge.version);
            }
          } else {
            more[kept++] = edge;
          }
        }
        more.length = kept;
      }
      if (--current.refCount <= 0) {
        current.removed = true;
        const record = current.event;
        if (record.node === current) record.node = null;
        else record.nodes?.delete(current.page);
        this.releaseEvent(record);
      }
    }
  }

  /**
   * Flink: `SharedBufferAccessor#releaseEvent`. Nothing is stored per event beyond the record,
   * so a record whose count reaches 0 is simply left to the garbage collector.
   */
  releaseEvent(record: EventRecord): void {
    record.refCount--;
  }

  /**
   * Flink: `SharedBufferAccessor#extractPatterns`: every path back from `node` whose edges are
   * compatible with `version`, each as events by pattern name in match order.
   */
  extractPatterns(node: SharedBufferNode, version: DeweyNumber): EventIdMatch[] {
    const result: EventIdMatch[] = [];
    if (node.removed) return result;
    type Extraction = {
      entry: SharedBufferNode | null;
      version: DeweyNumber;
      path: SharedBufferNode[];
    };
    const stack: Extraction[] = [{ entry: node, version, path: [] }];
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
      for (const edge of edgesOf(entry)) {
        if (!isCompatibleWith(current, edge.version)) continue;
        const newPath = first ? path : path.slice();
        first = false;
        const target = edge.target === null || edge.target.removed ? null : edge.target;
        stack.push({ entry: target, version: edge.version, path: newPath });
      }
    }
    return result;
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
