/**
 * Turns a raw record value into an event, in the reference demo's formats.
 *
 * CSV is the demo's `Event.fromString` line `id,name,action,productionId,eventTime[,eventArgs]`,
 * e.g. `1,Ken,0,1,1662022777000`; everything after the fifth comma is `eventArgs` (the demo's
 * events carry a JSON object there, whose own commas do not split it). JSON is an object with the
 * same five fields and any others, which conditions may refer to. `--eventFields` (see
 * `event_fields.ts`) changes the column order and names.
 *
 * This runs for every event, so the CSV path scans the line once with `indexOf` and reads
 * integers from character codes: no regular expression, no array of fields.
 *
 * @module
 */

import type { Event } from "../engine/pattern.ts";
import {
  CANONICAL_FIELDS,
  type CanonicalField,
  DEFAULT_EVENT_FIELDS,
  type EventFields,
} from "./event_fields.ts";

/** How record values are encoded; `auto` reads a value starting with `{` as JSON, else as CSV. */
export type EventFormat = "csv" | "json" | "auto";

/** Options for {@link createEventParser}. */
export interface EventParserOptions {
  readonly format: EventFormat;
  /** Column order and names; defaults to the demo's. */
  readonly fields?: EventFields;
}

/** Parses one record value; see {@link createEventParser}. */
export type EventParser = (value: string) => Event;

/** The range of a Java `int`, which the demo's `Event` uses for `id`, `action`, `productionId`. */
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const MINUS = 45;
const PLUS = 43;
const ZERO = 48;

/**
 * Builds the parser of one format and field mapping, once: the returned function does no setup.
 * Every event it returns has the fields `id`, `action`, `productionId`, `eventTime` (integers,
 * `eventTime` in milliseconds) and `name` (a string), whatever the records call them; a CSV event
 * also has its other columns and `eventArgs` (the rest of the line) when present, a JSON event
 * all the object's fields.
 *
 * @example
 * ```ts
 * const parse = createEventParser({ format: "auto" });
 * parse("1,Ken,0,1,1662022777000").eventTime; // 1662022777000
 * ```
 *
 * @param options the format and field mapping
 * @returns the parser, which throws `SyntaxError` when the value is not valid JSON or a CSV
 *   integer is not an integer, `TypeError` when a field is missing or is not a JSON object,
 *   string or number, and `RangeError` when the CSV line has too few fields or a number is not
 *   an integer in its range
 * @throws {RangeError} when the format is unknown
 */
export function createEventParser(options: EventParserOptions): EventParser {
  const fields = options.fields ?? DEFAULT_EVENT_FIELDS;
  const csv = sameAsDefault(fields) ? parseDefaultCsv : (value: string) => parseCsv(value, fields);
  const json = (value: string) => parseJson(value, fields);
  switch (options.format) {
    case "csv":
      return csv;
    case "json":
      return json;
    case "auto":
      return (value) => startsWithBrace(value) ? json(value) : csv(value);
    default:
      throw new RangeError(
        `Cannot parse event: format "${options.format}" is not csv, json or auto`,
      );
  }
}

/**
 * Parses one record value with the demo's fields. Callers that parse many records should build
 * the parser once with {@link createEventParser}.
 * @param value the record value
 * @param format the encoding; `auto` picks JSON for a value starting with `{`
 * @returns the event
 * @throws {SyntaxError | TypeError | RangeError} as the parser of {@link createEventParser}
 */
export function parseEvent(value: string, format: EventFormat): Event {
  const parse = DEFAULT_PARSERS.get(format) ?? createEventParser({ format });
  return parse(value);
}

const DEFAULT_PARSERS: ReadonlyMap<string, EventParser> = new Map(
  (["csv", "json", "auto"] as const).map((format) => [format, createEventParser({ format })]),
);

function sameAsDefault(fields: EventFields): boolean {
  const d = DEFAULT_EVENT_FIELDS;
  return fields.rest === d.rest && fields.columns.join() === d.columns.join() &&
    CANONICAL_FIELDS.every((f) => fields.sources[f] === f);
}

function startsWithBrace(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 123) return true;
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    // Other white space than ASCII's is rare: let trimStart decide as it always did.
    return c >= 127 && value.trimStart().startsWith("{");
  }
  return false;
}

/** The end of the line without a trailing `\n` or `\r\n` (kafka-console-producer leaves them). */
function lineEnd(value: string): number {
  let end = value.length;
  if (end > 0 && value.charCodeAt(end - 1) === 10) {
    end--;
    if (end > 0 && value.charCodeAt(end - 1) === 13) end--;
  }
  return end;
}

function tooFew(expected: number, value: string, end: number): RangeError {
  let count = 1;
  for (let i = value.indexOf(",", 0); i >= 0 && i < end; i = value.indexOf(",", i + 1)) count++;
  return new RangeError(
    `Cannot parse event: expected at least ${expected} comma-separated fields, got ${count}`,
  );
}

// The default columns, unrolled: this is the path of nearly every event.
function parseDefaultCsv(value: string): Event {
  const end = lineEnd(value);
  const c1 = value.indexOf(",");
  const c2 = c1 < 0 ? -1 : value.indexOf(",", c1 + 1);
  const c3 = c2 < 0 ? -1 : value.indexOf(",", c2 + 1);
  const c4 = c3 < 0 ? -1 : value.indexOf(",", c3 + 1);
  if (c4 < 0 || c4 >= end) throw tooFew(5, value, end);
  let c5 = value.indexOf(",", c4 + 1);
  if (c5 >= end) c5 = -1;
  const id = csvInteger("id", value, 0, c1);
  const name = value.slice(c1 + 1, c2);
  const action = csvInteger("action", value, c2 + 1, c3);
  const productionId = csvInteger("productionId", value, c3 + 1, c4);
  if (c5 < 0) {
    const eventTime = csvInteger("eventTime", value, c4 + 1, end);
    return { id, name, action, productionId, eventTime };
  }
  const eventTime = csvInteger("eventTime", value, c4 + 1, c5);
  return { id, name, action, productionId, eventTime, eventArgs: value.slice(c5 + 1, end) };
}

function parseCsv(value: string, fields: EventFields): Event {
  const end = lineEnd(value);
  const columns = fields.columns;
  const event: Record<string, unknown> = {};
  let start = 0;
  for (let i = 0; i < columns.length; i++) {
    if (start > end) throw tooFew(columns.length, value, end);
    let stop = value.indexOf(",", start);
    if (stop < 0 || stop > end) stop = end;
    const column = columns[i]!;
    event[column] = isIntegerField(column)
      ? csvInteger(column, value, start, stop)
      : value.slice(start, stop);
    start = stop + 1;
  }
  if (fields.rest !== null && start <= end) event[fields.rest] = value.slice(start, end);
  return event;
}

type IntegerField = Exclude<CanonicalField, "name">;
const isIntegerField = (name: string): name is IntegerField =>
  name !== "name" && (CANONICAL_FIELDS as readonly string[]).includes(name);

/** Java's `Integer.parseInt` / `Long.parseLong` of `value[start, stop)`, by character codes. */
function csvInteger(
  field: IntegerField,
  value: string,
  start: number,
  stop: number,
): number {
  let i = start;
  const sign = i < stop ? value.charCodeAt(i) : 0;
  if (sign === MINUS || sign === PLUS) i++;
  if (i === stop) throw notAnInteger(field, value.slice(start, stop));
  let n = 0;
  for (; i < stop; i++) {
    const digit = value.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) throw notAnInteger(field, value.slice(start, stop));
    n = n * 10 + digit;
  }
  if (sign === MINUS) n = -n;
  if (field === "eventTime" ? Number.isSafeInteger(n) : n >= INT_MIN && n <= INT_MAX) return n;
  // Out of range: report the value as Number() reads the text, as before
  return checkRange(field, Number(value.slice(start, stop)));
}

function notAnInteger(field: string, text: string): SyntaxError {
  return new SyntaxError(`Cannot parse event: field "${field}" value "${text}" is not an integer`);
}

function parseJson(value: string, fields: EventFields): Event {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new SyntaxError(`Cannot parse event: value is not valid JSON`, { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    const kind = parsed === null ? "null" : Array.isArray(parsed) ? "array" : typeof parsed;
    throw new TypeError(`Cannot parse event: expected a JSON object, got "${kind}"`);
  }
  const event = parsed as Record<string, unknown>;
  const sources = fields.sources;
  for (const field of ["id", "action", "productionId", "eventTime"] as const) {
    const source = sources[field];
    const fieldValue = event[source];
    if (typeof fieldValue !== "number") {
      throw new TypeError(
        `Cannot parse event: field "${source}" must be a number, got "${kindOf(fieldValue)}"`,
      );
    }
    checkRange(field, fieldValue, source);
    if (source !== field) event[field] = fieldValue;
  }
  const name = event[sources.name];
  if (typeof name !== "string") {
    throw new TypeError(
      `Cannot parse event: field "${sources.name}" must be a string, got "${kindOf(name)}"`,
    );
  }
  if (sources.name !== "name") event.name = name;
  return event;
}

function checkRange(field: CanonicalField, n: number, source: string = field): number {
  // eventTime is a Java long in the demo; JS numbers keep milliseconds exact up to 2^53.
  const inRange = field === "eventTime"
    ? Number.isSafeInteger(n)
    : Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX;
  if (!inRange) {
    const range = field === "eventTime" ? "a safe integer" : `an integer in ${INT_MIN}..${INT_MAX}`;
    throw new RangeError(`Cannot parse event: field "${source}" value "${n}" is not ${range}`);
  }
  return n;
}

function kindOf(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}
