/**
 * Turns a raw record value into an event, in the reference demo's formats.
 *
 * CSV is the demo's `Event.fromString` line `id,name,action,productionId,eventTime[,eventArgs]`,
 * e.g. `1,Ken,0,1,1662022777000`. JSON is an object with the same five fields and any others,
 * which conditions may refer to.
 *
 * @module
 */

import type { Event } from "../engine/pattern.ts";

/** How record values are encoded; `auto` reads a value starting with `{` as JSON, else as CSV. */
export type EventFormat = "csv" | "json" | "auto";

/** The range of a Java `int`, which the demo's `Event` uses for `id`, `action`, `productionId`. */
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const INTEGER = /^[+-]?\d+$/;

type IntegerField = "id" | "action" | "productionId" | "eventTime";

/**
 * Parses one record value into an event with the fields `id`, `name`, `action`, `productionId`
 * and `eventTime` (milliseconds), plus `eventArgs` when the CSV line has a sixth field and any
 * extra fields of a JSON object.
 * @param value the record value
 * @param format the encoding; `auto` picks JSON for a value starting with `{`
 * @returns the event
 * @throws {SyntaxError} if the value is not valid JSON or a CSV field is not an integer
 * @throws {TypeError} if a field is missing, or is not a JSON object, string or number
 * @throws {RangeError} if the CSV line has the wrong number of fields, or a number is not an
 * integer in its range
 */
export function parseEvent(value: string, format: EventFormat): Event {
  switch (format) {
    case "csv":
      return parseCsv(value);
    case "json":
      return parseJson(value);
    case "auto":
      return value.trimStart().startsWith("{") ? parseJson(value) : parseCsv(value);
    default:
      throw new RangeError(`Cannot parse event: format "${format}" is not csv, json or auto`);
  }
}

function parseCsv(value: string): Event {
  // Producers such as kafka-console-producer may leave a line ending on the value.
  const fields = value.replace(/\r?\n$/, "").split(",");
  if (fields.length !== 5 && fields.length !== 6) {
    throw new RangeError(
      `Cannot parse event: expected 5 or 6 comma-separated fields, got ${fields.length}`,
    );
  }
  const [id, name, action, productionId, eventTime, eventArgs] = fields as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  const event: Record<string, unknown> = {
    id: csvInteger("id", id),
    name,
    action: csvInteger("action", action),
    productionId: csvInteger("productionId", productionId),
    eventTime: csvInteger("eventTime", eventTime),
  };
  if (eventArgs !== undefined) event.eventArgs = eventArgs;
  return event;
}

function csvInteger(field: IntegerField, text: string): number {
  if (!INTEGER.test(text)) {
    throw new SyntaxError(`Cannot parse event: field "${field}" value "${text}" is not an integer`);
  }
  return checkRange(field, Number(text));
}

function parseJson(value: string): Event {
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
  for (const field of ["id", "action", "productionId", "eventTime"] as const) {
    const fieldValue = event[field];
    if (typeof fieldValue !== "number") {
      throw new TypeError(
        `Cannot parse event: field "${field}" must be a number, got "${kindOf(fieldValue)}"`,
      );
    }
    checkRange(field, fieldValue);
  }
  if (typeof event.name !== "string") {
    throw new TypeError(
      `Cannot parse event: field "name" must be a string, got "${kindOf(event.name)}"`,
    );
  }
  return event;
}

function checkRange(field: IntegerField, n: number): number {
  // eventTime is a Java long in the demo; JS numbers keep milliseconds exact up to 2^53.
  const inRange = field === "eventTime"
    ? Number.isSafeInteger(n)
    : Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX;
  if (!inRange) {
    const range = field === "eventTime" ? "a safe integer" : `an integer in ${INT_MIN}..${INT_MAX}`;
    throw new RangeError(`Cannot parse event: field "${field}" value "${n}" is not ${range}`);
  }
  return n;
}

function kindOf(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}
