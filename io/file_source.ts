/**
 * Reads raw records from a text file or stdin, one record a line, so the job runs without Kafka.
 *
 * @module
 */

import { abortable } from "./_abortable.ts";
import { pause } from "./backoff.ts";
import type { EventSource, SourceItem, SourcePosition, StartPosition } from "./event_source.ts";
import { type Logger, SILENT_LOGGER } from "./logger.ts";

/** Options for {@link FileSource}. */
export interface FileSourceOptions {
  /**
   * Keep waiting for lines appended after the end of the file, like `tail -f`; default false, so
   * iteration ends at the end of the file. Ignored for stdin, which ends when it is closed.
   */
  readonly follow?: boolean;
  /** With `follow`, how often to look for new lines, in milliseconds; default 200. */
  readonly pollIntervalMs?: number;
  /** Pause before every record but the first, in milliseconds, to replay at a human pace; default 0. */
  readonly delayMs?: number;
  /**
   * Where {@link FileSource.commit} persists the last handled line, so that a restarted job
   * resumes after it. Default: commits are kept in memory only.
   */
  readonly offsetFile?: string;
  /**
   * Skip lines starting with `#` and strip a trailing ` #...` comment that contains no `"`, as in
   * the quick start's `2,Tom,0,1,1739584800000 #10:00`; default true. Turn it off when values may
   * contain ` #`, such as a CSV name `Tom #2`.
   */
  readonly comments?: boolean;
  /** Where resuming from the offset file is reported; default silent. */
  readonly logger?: Logger;
  /**
   * First yield an assignment of the one partition and read nothing until
   * {@link FileSource.start} says where to begin (a job with checkpoints); default false.
   */
  readonly announceAssignments?: boolean;
}

/** What the offset file holds: the topic guards against resuming another file's position. */
interface OffsetFileContent {
  readonly topic: string;
  readonly offset: string;
}

interface Reader {
  read(buffer: Uint8Array): Promise<number | null>;
}

/** The only partition: a file is one ordered log. */
const PARTITION = 0;
const TRAILING_COMMENT = /\s#[^"]*$/;

/**
 * An {@link EventSource} over the lines of a file, or of stdin when the path is `-`.
 *
 * Each non-empty, non-comment line is one record: `topic` is `file:<path>` (the path as given)
 * or `stdin`, `partition` is 0 and `offset` is the 0-based line number in the input, counting
 * blank and comment lines, so that it can be found in an editor. `value` is the line without its
 * line ending, surrounding spaces and trailing comment.
 *
 * Iterating starts after the last committed line: the one given to {@link FileSource.commit}
 * earlier in this process, or else the one in `offsetFile`. Stdin cannot be re-read, so it always
 * starts at its first line and `offsetFile` only records progress. Lines must be UTF-8; with
 * `follow`, a file that is truncated or replaced is not noticed.
 *
 * @example
 * ```ts
 * const source = new FileSource("samples/events_ken.csv");
 * for await (const batch of source) {
 *   console.log(batch.offsets, batch.values);
 *   await source.commit([{ ...batch, offset: batch.offsets.at(-1)! }]);
 * }
 * ```
 */
export class FileSource implements EventSource {
  /** `file:<path>` or `stdin`; the topic of every record and of every committed position. */
  readonly topic: string;
  readonly #path: string;
  readonly #follow: boolean;
  readonly #pollIntervalMs: number;
  readonly #delayMs: number;
  readonly #offsetFile: string | undefined;
  readonly #comments: boolean;
  readonly #logger: Logger;
  readonly #closing = new AbortController();
  readonly #announce: boolean;
  readonly #started = Promise.withResolvers<string | null>();
  /** The last committed line number, or -1 when nothing is committed. */
  #committed = -1;
  #loaded = false;
  #commits: Promise<void> = Promise.resolve();

  /**
   * Creates the source; the file is opened when iteration starts.
   * @param path a file path, or `-` for stdin
   * @param options follow mode, pacing, offset file and comment handling
   * @throws {RangeError} if the path is empty or an interval is not a whole number of ms >= 0
   */
  constructor(path: string, options: FileSourceOptions = {}) {
    if (path === "") throw new RangeError(`Invalid file source path "": use a path or "-"`);
    this.#path = path;
    this.topic = path === "-" ? "stdin" : `file:${path}`;
    this.#follow = options.follow ?? false;
    this.#pollIntervalMs = checkMs(options.pollIntervalMs ?? 200, "poll interval");
    this.#delayMs = checkMs(options.delayMs ?? 0, "delay");
    this.#offsetFile = options.offsetFile;
    this.#comments = options.comments ?? true;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#announce = options.announceAssignments ?? false;
  }

  /**
   * Yields the lines after the last committed one, as batches of the lines read together (with
   * `delayMs`, one line a batch), until the end of the input (or, with `follow`, until
   * {@link FileSource.close}).
   * @returns the records in line order
   * @throws {Deno.errors.NotFound} if the file does not exist
   * @throws {SyntaxError} if `offsetFile` exists but does not hold this source's position
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<SourceItem, void, undefined> {
    const signal = this.#closing.signal;
    await this.#loadOffsetFile();
    const stdin = this.#path === "-";
    let skipThrough = stdin ? -1 : this.#committed;
    if (this.#announce) {
      yield {
        type: "assignment",
        assigned: [{ topic: this.topic, partition: PARTITION }],
        revoked: [],
      };
      const start = await abortable(this.#started.promise, signal).catch(() => undefined);
      if (start === undefined) return;
      // Stdin cannot seek: a restart reads it from its first line, as without checkpoints.
      if (start !== null && !stdin) skipThrough = Number(start) - 1;
    }
    const file = stdin ? undefined : await Deno.open(this.#path, { read: true });
    const reader: Reader = file ?? Deno.stdin;
    const paced = this.#delayMs > 0;
    let first = true;
    try {
      for await (const lines of this.#lines(reader, !stdin && this.#follow)) {
        let values: string[] = [];
        let offsets: string[] = [];
        for (const [lineNumber, line] of lines) {
          if (lineNumber <= skipThrough) continue;
          const value = this.#clean(line);
          if (value === undefined) continue;
          values.push(value);
          offsets.push(String(lineNumber));
          if (!paced) continue;
          if (!first && !await pause(this.#delayMs, signal)) return;
          first = false;
          yield { type: "batch", topic: this.topic, partition: PARTITION, values, offsets };
          values = [];
          offsets = [];
        }
        if (signal.aborted) return;
        if (values.length > 0) {
          yield { type: "batch", topic: this.topic, partition: PARTITION, values, offsets };
        }
      }
    } finally {
      file?.close();
    }
  }

  /**
   * Starts reading after an announced assignment: at line `offset`, or after the last committed
   * line when it is `null`.
   * @param positions the position of this source's partition
   */
  start(positions: readonly StartPosition[]): void {
    const own = positions.find((p) => p.topic === this.topic && p.partition === PARTITION);
    if (own !== undefined) this.#started.resolve(own.offset);
  }

  /**
   * Records each position as handled, and persists the latest to `offsetFile` when set. A
   * position older than one already committed is ignored: commits never move backwards.
   * @param positions positions of records from this source
   * @returns when the offset file, if any, is written
   * @throws {RangeError} if a position is not one of this source's
   */
  commit(positions: readonly SourcePosition[]): Promise<void> {
    for (const { topic, partition, offset } of positions) {
      if (topic !== this.topic || partition !== PARTITION || !/^\d+$/.test(offset)) {
        return Promise.reject(
          new RangeError(
            `Cannot commit to file source "${this.topic}": position "${topic}/${partition}/` +
              `${offset}" is not one of its lines`,
          ),
        );
      }
      this.#committed = Math.max(this.#committed, Number(offset));
    }
    const offsetFile = this.#offsetFile;
    if (offsetFile === undefined || this.#committed < 0) return Promise.resolve();
    const content: OffsetFileContent = { topic: this.topic, offset: String(this.#committed) };
    // Chained so that an older position never overwrites a newer one.
    const write = this.#commits.then(() => writeAtomically(offsetFile, JSON.stringify(content)));
    this.#commits = write.catch(() => {});
    return write;
  }

  /** Ends every iteration promptly, including waits for new lines, and finishes pending commits. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#commits;
  }

  /** The record value of a line, or undefined for a blank or comment line. */
  #clean(line: string): string | undefined {
    let value = line.trim();
    if (this.#comments) {
      if (value.startsWith("#")) return undefined;
      value = value.replace(TRAILING_COMMENT, "").trimEnd();
    }
    return value === "" ? undefined : value;
  }

  async #loadOffsetFile(): Promise<void> {
    if (this.#loaded || this.#offsetFile === undefined) return;
    this.#loaded = true;
    let text: string;
    try {
      text = await Deno.readTextFile(this.#offsetFile);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    let content: Partial<OffsetFileContent> = {};
    try {
      content = JSON.parse(text);
    } catch {
      // Reported below, with the same message as a well-formed file for the wrong input.
    }
    if (content?.topic !== this.topic || !/^\d+$/.test(String(content?.offset))) {
      throw new SyntaxError(
        `Cannot resume file source "${this.topic}": offset file "${this.#offsetFile}" does ` +
          `not hold a line number of this input, delete it to start over`,
      );
    }
    if (this.#path === "-") return;
    this.#committed = Math.max(this.#committed, Number(content.offset));
    this.#logger.log("info", "File source resumes after the committed line", {
      topic: this.topic,
      offset: content.offset,
    });
  }

  /**
   * Splits the input into numbered lines, yielded as the lines of one read; a last line without a
   * line ending counts at EOF.
   */
  async *#lines(reader: Reader, follow: boolean): AsyncGenerator<[number, string][]> {
    const signal = this.#closing.signal;
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(64 * 1024);
    let pending = "";
    let lineNumber = 0;
    while (!signal.aborted) {
      let read: number | null;
      try {
        read = await abortable(reader.read(buffer), signal);
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      if (read === null) {
        if (follow) {
          if (!await pause(this.#pollIntervalMs, signal)) return;
          continue;
        }
        pending += decoder.decode();
        if (pending !== "") yield [[lineNumber, pending.replace(/\r$/, "")]];
        return;
      }
      pending += decoder.decode(buffer.subarray(0, read), { stream: true });
      const lines: [number, string][] = [];
      let start = 0;
      for (let newline; (newline = pending.indexOf("\n", start)) >= 0; start = newline + 1) {
        lines.push([lineNumber++, pending.slice(start, newline).replace(/\r$/, "")]);
      }
      pending = pending.slice(start);
      if (lines.length > 0) yield lines;
    }
  }
}

function checkMs(ms: number, what: string): number {
  if (!Number.isInteger(ms) || ms < 0) {
    throw new RangeError(`Invalid file source ${what} "${ms}": expected a whole number of ms >= 0`);
  }
  return ms;
}

/** Replaces the file in one step, so a crash never leaves a half-written offset. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp`;
  await Deno.writeTextFile(temporary, text + "\n");
  await Deno.rename(temporary, path);
}
