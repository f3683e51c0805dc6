/**
 * In-memory implementations of the job's io boundaries, for pipeline tests that need to see
 * exactly what was committed and written. (Integration tests use the real Kafka and MariaDB.)
 */

import type {
  EventSource,
  SourceItem,
  SourcePosition,
  StartPosition,
} from "../../io/event_source.ts";
import type { MatchRow, MatchSink } from "../../io/match_sink.ts";
import type { RuleRow, RuleSet, RuleStore, WatchOptions } from "../../io/rule_store.ts";

/**
 * A source over a fixed list of values, on one partition of topic "t", `batchSize` a batch. With
 * `announce` it first yields the partition's assignment and reads from where start() says.
 */
export class MemorySource implements EventSource {
  readonly commits: SourcePosition[][] = [];
  readonly #values: readonly string[];
  readonly #batchSize: number;
  readonly #announce: boolean;
  readonly #started = Promise.withResolvers<number>();
  constructor(values: readonly string[], options: { batchSize?: number; announce?: boolean } = {}) {
    this.#values = values;
    this.#batchSize = options.batchSize ?? 1;
    this.#announce = options.announce ?? false;
  }
  async *[Symbol.asyncIterator](): AsyncIterator<SourceItem> {
    let from = 0;
    if (this.#announce) {
      yield { type: "assignment", assigned: [{ topic: "t", partition: 0 }], revoked: [] };
      from = await this.#started.promise;
    }
    for (let i = from; i < this.#values.length; i += this.#batchSize) {
      await Promise.resolve();
      const values = this.#values.slice(i, i + this.#batchSize);
      const offsets = values.map((_, j) => String(i + j));
      yield { type: "batch", topic: "t", partition: 0, values, offsets };
    }
  }
  start(positions: readonly StartPosition[]): void {
    this.#started.resolve(Number(positions[0]?.offset ?? 0));
  }
  commit(positions: readonly SourcePosition[]): Promise<void> {
    this.commits.push([...positions]);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  /** The last committed offset of partition 0, or undefined. */
  get committed(): string | undefined {
    return this.commits.at(-1)?.find((p) => p.partition === 0)?.offset;
  }
}

/** A rule store that yields the given snapshot once, then waits until aborted. */
export class MemoryRuleStore implements RuleStore {
  readonly #rows: RuleSet;
  constructor(rows: readonly RuleRow[]) {
    this.#rows = rows;
  }
  async *watch(options: WatchOptions): AsyncIterable<RuleSet> {
    yield this.#rows;
    if (options.signal.aborted) return;
    await new Promise<void>((resolve) => options.signal.addEventListener("abort", () => resolve()));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A sink that records every batch written. */
export class MemorySink implements MatchSink {
  readonly batches: MatchRow[][] = [];
  write(batch: readonly MatchRow[]): Promise<void> {
    this.batches.push([...batch]);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  get rows(): MatchRow[] {
    return this.batches.flat();
  }
}
