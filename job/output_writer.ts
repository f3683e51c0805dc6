/**
 * The job's output stage: match lines, match rows and what must follow them (a checkpoint, a
 * source commit) leave the pipeline loop as one chunk per batch and are written by a single
 * writer that runs while the loop processes the next batch. Chunks that arrive while a write is
 * in flight are coalesced into the next write.
 *
 * @module
 */

import { compareSinkProgress, type MatchRow, type SinkProgress } from "../io/mod.ts";

/** What one batch produced. */
export interface OutputChunk {
  /** Match lines, without line endings. */
  readonly lines: readonly string[];
  readonly rows: readonly MatchRow[];
  /** Per partition, the position of the last event whose rows are in `rows` (or earlier). */
  readonly progress: readonly SinkProgress[];
  /**
   * Runs once this chunk, and every chunk before it, is written: a checkpoint or a commit of
   * the positions whose effects are then all durable.
   */
  readonly then: (() => Promise<void>) | null;
}

/** Options for {@link OutputWriter}. */
export interface OutputWriterOptions {
  /** Writes match lines (stdout in production); a write completes when the lines are out. */
  readonly print: (lines: readonly string[]) => void | Promise<void>;
  /** Writes rows durably, with their progress; `null` prints only. */
  readonly writeRows:
    | ((rows: readonly MatchRow[], progress: readonly SinkProgress[]) => Promise<void>)
    | null;
  /**
   * Matches waiting to be written beyond which {@link OutputWriter.submit} waits: a slow
   * database slows the pipeline instead of growing memory. Default 10 000.
   */
  readonly maxPendingMatches?: number;
}

/**
 * Writes chunks in submission order: lines, then rows, then what follows them, so a position is
 * checkpointed or committed only after every line and row that its records produced is written.
 */
export class OutputWriter {
  readonly #options: OutputWriterOptions;
  readonly #maxPending: number;
  #queue: OutputChunk[] = [];
  #pendingMatches = 0;
  #running: Promise<void> | null = null;
  #failure: { error: unknown } | null = null;
  /** Resolves waiters whenever a write completes. */
  #progress = Promise.withResolvers<void>();

  /**
   * @param options where lines, rows and commits go, and the backpressure bound
   * @throws {RangeError} if `maxPendingMatches` is not a positive integer
   */
  constructor(options: OutputWriterOptions) {
    const max = options.maxPendingMatches ?? 10_000;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`Invalid maxPendingMatches "${max}": expected an integer >= 1`);
    }
    this.#options = options;
    this.#maxPending = max;
  }

  /**
   * Queues a chunk for writing; waits only while more than `maxPendingMatches` matches are
   * waiting.
   * @throws what a previous write threw (for example a `SinkWriteError`): nothing after a failed
   *   write is written or committed
   */
  async submit(chunk: OutputChunk): Promise<void> {
    this.#throwIfFailed();
    if (chunk.lines.length === 0 && chunk.rows.length === 0 && chunk.then === null) return;
    this.#queue.push(chunk);
    this.#pendingMatches += Math.max(chunk.lines.length, chunk.rows.length);
    this.#running ??= this.#drain();
    while (this.#pendingMatches > this.#maxPending && this.#failure === null) {
      await this.#progress.promise;
    }
    this.#throwIfFailed();
  }

  /**
   * Waits until everything submitted is written and committed.
   * @throws what a write threw
   */
  async flush(): Promise<void> {
    while (this.#running !== null) await this.#running;
    this.#throwIfFailed();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0 && this.#failure === null) {
        const chunks = this.#queue;
        this.#queue = [];
        await this.#write(chunks);
        for (const chunk of chunks) {
          this.#pendingMatches -= Math.max(chunk.lines.length, chunk.rows.length);
        }
        this.#signalProgress();
      }
    } catch (error) {
      this.#failure = { error };
      this.#queue = [];
      this.#signalProgress();
    } finally {
      this.#running = null;
    }
  }

  async #write(chunks: readonly OutputChunk[]): Promise<void> {
    const lines: string[] = [];
    const rows: MatchRow[] = [];
    const progress = new Map<string, SinkProgress>();
    for (const chunk of chunks) {
      for (const line of chunk.lines) lines.push(line);
      for (const row of chunk.rows) rows.push(row);
      for (const p of chunk.progress) {
        const id = `${p.topic}\u0000${p.partition}`;
        const known = progress.get(id);
        if (known === undefined || compareSinkProgress(known, p) < 0) progress.set(id, p);
      }
    }
    if (lines.length > 0) await this.#options.print(lines);
    if (rows.length > 0 && this.#options.writeRows !== null) {
      await this.#options.writeRows(rows, [...progress.values()]);
    }
    for (const chunk of chunks) await chunk.then?.();
  }

  #signalProgress(): void {
    this.#progress.resolve();
    this.#progress = Promise.withResolvers<void>();
  }

  #throwIfFailed(): void {
    if (this.#failure !== null) throw this.#failure.error;
  }
}
