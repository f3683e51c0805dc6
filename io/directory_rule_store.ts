/**
 * Polls a directory of rule files, so the job runs without a database: adding, editing or
 * deleting a file plays the part of the quick start's `INSERT`, `UPDATE` and `DELETE`.
 *
 * @module
 */

import {
  checkPollInterval,
  pollRuleSnapshots,
  type RowProblem,
  type RuleSnapshot,
} from "./_rule_polling.ts";
import { type Logger, SILENT_LOGGER } from "./logger.ts";
import type { RuleRow, RuleSet, RuleStore, RuleStoreHealth, WatchOptions } from "./rule_store.ts";

/** Options for {@link DirectoryRuleStore}. */
export interface DirectoryRuleStoreOptions {
  /** The directory holding one `*.json` file per rule. */
  readonly path: string;
  /** Time between polls in milliseconds (`--jdbcIntervalMs`). */
  readonly intervalMs: number;
  /** Where unreadable directories and skipped files are reported; default silent. */
  readonly logger?: Logger;
}

/** The outcome of reading one rule file. */
type FileResult =
  | { readonly type: "row"; readonly row: RuleRow }
  | { readonly type: "problem"; readonly reason: string };

/** A row and the file it came from. */
interface RuleFileEntry {
  readonly name: string;
  readonly row: RuleRow;
}

/**
 * A {@link RuleStore} over a directory in which each `*.json` file is one row of the rule table:
 *
 * ```json
 * { "id": "1", "version": 1, "pattern": { "name": "end", ... }, "function": "com.alibaba..." }
 * ```
 *
 * `id` (a string or an integer) and `version` (an integer) are required: the id is not taken
 * from the file name, because `rule1.json` and `rule2.json` may well be two versions of rule
 * `"1"`. `pattern` is a JSON object, which is passed on as compact JSON text (the quick start's
 * column form), or that text as a string. A missing `pattern` or `function` is passed on as NULL:
 * checking them is the job of `rules/`. Other fields, such as `"note"`, are ignored.
 *
 * Every file is read again at each poll, whatever its modification time: mtime has a resolution
 * of one second on some file systems, and a few kilobytes per rule are cheap to read. Files whose
 * name starts with `.` (editor backups) are ignored. Rows come in file-name order; files that
 * share an id are all passed on, as duplicate rows of a table would be, and logged once.
 *
 * A file that cannot be parsed, or lacks `id` or `version`, is logged once (name and reason)
 * and skipped. If it held a valid rule at an earlier poll, that rule is kept instead, so that a
 * file caught half-written (as `cp` or an editor leaves it for a moment) does not remove its rule
 * and then add it again, losing the rule's partial matches.
 */
export class DirectoryRuleStore implements RuleStore {
  readonly #path: string;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #closing = new AbortController();
  /** Failed polls and whether the last one succeeded. */
  readonly health: RuleStoreHealth = { failures: 0, answering: false };

  /**
   * Creates the store; the directory is read when {@link DirectoryRuleStore.watch} polls.
   * @param options the directory, interval and logger
   * @throws {RangeError} if the interval is not a positive whole number of milliseconds
   */
  constructor(options: DirectoryRuleStoreOptions) {
    this.#intervalMs = checkPollInterval(options.intervalMs);
    this.#path = options.path;
    this.#logger = options.logger ?? SILENT_LOGGER;
  }

  /**
   * Yields every rule file's row now and then every `intervalMs` after the consumer asks for
   * more. While the directory cannot be listed it yields nothing, logs the failure once, and
   * retries with a backoff capped at one interval.
   * @param options `signal` ends the iteration
   * @returns snapshots of the directory
   */
  watch(options: WatchOptions): AsyncGenerator<RuleSet, void, undefined> {
    // Per watch, like the rules it feeds: the last valid row of each file, by file name.
    const lastGood = new Map<string, RuleRow>();
    return pollRuleSnapshots({
      health: this.health,
      signals: [options.signal, this.#closing.signal],
      intervalMs: this.#intervalMs,
      logger: this.#logger,
      fields: { path: this.#path },
      outageMessage: "Rule directory unreadable, retrying",
      recoveryMessage: "Rule directory readable again",
      read: () => this.#list(),
      toSnapshot: (names) => this.#snapshot(names, lastGood),
    });
  }

  /** Ends every running {@link DirectoryRuleStore.watch}. */
  close(): Promise<void> {
    this.#closing.abort();
    return Promise.resolve();
  }

  /** Reads the listed files; a file that went bad keeps its `lastGood` row, which it updates. */
  async #snapshot(names: string[], lastGood: Map<string, RuleRow>): Promise<RuleSnapshot> {
    const entries: RuleFileEntry[] = [];
    // Keyed by message: a file whose reason changes is reported again.
    const problems = new Map<string, RowProblem>();
    const report = (message: string, file: string) =>
      problems.set(message, { message, fields: { path: this.#path, file } });
    for (const name of names) {
      const result = await this.#read(name);
      if (result === undefined) continue;
      if (result.type === "row") {
        lastGood.set(name, result.row);
        entries.push({ name, row: result.row });
        continue;
      }
      const previous = lastGood.get(name);
      if (previous !== undefined) entries.push({ name, row: previous });
      const verdict = previous === undefined
        ? `Skipping rule file "${name}"`
        : `Keeping the previous version of rule file "${name}"`;
      report(`${verdict}: ${result.reason}`, name);
    }
    for (const name of lastGood.keys()) {
      if (!names.includes(name)) lastGood.delete(name);
    }
    for (const [id, files] of duplicateIds(entries)) {
      report(`Rule id "${id}" is defined by several files: ${files}`, files);
    }
    return { rules: entries.map((entry) => entry.row), problems };
  }

  async #list(): Promise<string[]> {
    const names: string[] = [];
    for await (const entry of Deno.readDir(this.#path)) {
      if (entry.isDirectory || entry.name.startsWith(".") || !entry.name.endsWith(".json")) {
        continue;
      }
      names.push(entry.name);
    }
    return names.sort();
  }

  /** Reads one file; undefined when it vanished since the listing, as if never listed. */
  async #read(name: string): Promise<FileResult | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(`${this.#path}/${name}`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      return { type: "problem", reason: error instanceof Error ? error.message : String(error) };
    }
    return parseRuleFile(text);
  }
}

/**
 * Parses one rule file into a row, or says why it cannot name a rule.
 * @param text the file's content
 * @returns the row, or the reason it was refused
 */
function parseRuleFile(text: string): FileResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { type: "problem", reason: `it is not valid JSON (${detail})` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { type: "problem", reason: "it is not a JSON object" };
  }
  const file = parsed as Record<string, unknown>;
  const id = typeof file.id === "string" && file.id !== ""
    ? file.id
    : Number.isSafeInteger(file.id)
    ? String(file.id)
    : undefined;
  if (id === undefined) {
    return { type: "problem", reason: `"id" must be a non-empty string or an integer` };
  }
  const version = typeof file.version === "string" && /^-?\d+$/.test(file.version)
    ? Number(file.version)
    : file.version;
  if (typeof version !== "number" || !Number.isSafeInteger(version)) {
    return { type: "problem", reason: `"version" must be an integer` };
  }
  const pattern = file.pattern;
  let patternText: string | null;
  if (pattern === undefined || pattern === null) patternText = null;
  else if (typeof pattern === "string") patternText = pattern;
  else if (typeof pattern === "object" && !Array.isArray(pattern)) {
    patternText = JSON.stringify(pattern);
  } else {
    return { type: "problem", reason: `"pattern" must be a JSON object, a string or null` };
  }
  const fn = file.function;
  if (fn !== undefined && fn !== null && typeof fn !== "string") {
    return { type: "problem", reason: `"function" must be a string or null` };
  }
  return { type: "row", row: { id, version, pattern: patternText, function: fn ?? null } };
}

/** Ids that several files define, with those files quoted and comma-separated. */
function duplicateIds(entries: readonly RuleFileEntry[]): Map<string, string> {
  const filesById = new Map<string, string[]>();
  for (const { name, row } of entries) {
    filesById.set(row.id, [...filesById.get(row.id) ?? [], `"${name}"`]);
  }
  const duplicates = new Map<string, string>();
  for (const [id, files] of filesById) {
    if (files.length > 1) duplicates.set(id, files.join(", "));
  }
  return duplicates;
}
