/**
 * Where the fields of the demo's `Event` are found in the records users send: the CSV column order
 * and the JSON names, given as `--eventFields`. The seed's own table names the fields `id`,
 * `username`, `action`, `product_id`, `event_time`, which this reads as
 * `--eventFields id,name=username,action,productionId=product_id,eventTime=event_time`.
 *
 * @module
 */

/** The fields every event has after mapping; the job keys by `id,productionId`. */
export type CanonicalField = "id" | "name" | "action" | "productionId" | "eventTime";

/** The canonical fields, in the demo's CSV column order. */
export const CANONICAL_FIELDS: readonly CanonicalField[] = [
  "id",
  "name",
  "action",
  "productionId",
  "eventTime",
];

/** Where each field of an event comes from. */
export interface EventFields {
  /**
   * The CSV columns in order: the event field each column becomes (a canonical name, or the
   * column's own name for other columns, which are kept as text).
   */
  readonly columns: readonly string[];
  /** The JSON name (and CSV column name) of each canonical field. */
  readonly sources: Readonly<Record<CanonicalField, string>>;
  /**
   * A last column that takes the rest of the line, commas included, and may be absent: the
   * demo's `eventArgs`, a JSON object whose commas a plain split would break.
   */
  readonly rest: string | null;
}

/** The demo's `Event.fromString`: `id,name,action,productionId,eventTime[,eventArgs]`. */
export const DEFAULT_EVENT_FIELDS: EventFields = Object.freeze({
  columns: Object.freeze([...CANONICAL_FIELDS]),
  sources: Object.freeze({
    id: "id",
    name: "name",
    action: "action",
    productionId: "productionId",
    eventTime: "eventTime",
  }),
  rest: "eventArgs",
});

const isCanonical = (name: string): name is CanonicalField =>
  (CANONICAL_FIELDS as readonly string[]).includes(name);
const NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * Reads an `--eventFields` value: the CSV columns in order, separated by commas. Each is a
 * canonical field (`id`, `name`, `action`, `productionId`, `eventTime`), `canonical=source` when
 * the records call it `source` (the JSON name; in CSV only the position counts), or another
 * column's name. A last column written `name*` takes the rest of the line and may be missing.
 * Columns after the listed ones are ignored.
 *
 * @example
 * ```ts
 * parseEventFields("id,name=username,action,productionId=product_id,eventTime=event_time");
 * ```
 *
 * @param text the flag's value
 * @returns the mapping
 * @throws {SyntaxError} when a column is not a name or `name=name`
 * @throws {RangeError} when a canonical field is missing or a name is used twice
 */
export function parseEventFields(text: string): EventFields {
  const columns: string[] = [];
  const sources: Partial<Record<CanonicalField, string>> = {};
  let rest: string | null = null;
  const parts = text.split(",");
  parts.forEach((part, i) => {
    let entry = part.trim();
    if (entry.endsWith("*")) {
      if (i !== parts.length - 1) {
        throw new SyntaxError(`Event fields: only the last column may end in "*", not "${entry}"`);
      }
      entry = entry.slice(0, -1);
      rest = entry;
    }
    const eq = entry.indexOf("=");
    const field = eq < 0 ? entry : entry.slice(0, eq).trim();
    const source = eq < 0 ? entry : entry.slice(eq + 1).trim();
    if (!NAME.test(field) || !NAME.test(source)) {
      throw new SyntaxError(`Event fields: "${part.trim()}" is not a name or name=name`);
    }
    if (eq >= 0 && !isCanonical(field)) {
      throw new RangeError(
        `Event fields: "${field}" in "${entry}" is not one of ${CANONICAL_FIELDS.join(", ")}`,
      );
    }
    if (columns.includes(field)) throw new RangeError(`Event fields: "${field}" is given twice`);
    if (isCanonical(field)) {
      if (rest === field) {
        throw new RangeError(`Event fields: "${field}" is always present and cannot end in "*"`);
      }
      sources[field] = source;
    }
    columns.push(field);
  });
  const missing = CANONICAL_FIELDS.filter((field) => sources[field] === undefined);
  if (missing.length > 0) {
    throw new RangeError(
      `Event fields: ${missing.map((f) => `"${f}"`).join(", ")} must be mapped, in "${text}"`,
    );
  }
  if (rest !== null) columns.pop();
  return { columns, sources: sources as Record<CanonicalField, string>, rest };
}

/**
 * The fields an event of the mapping carries (for CSV; JSON events may carry more).
 * @param fields the mapping
 * @returns the canonical fields, the other columns and the rest column
 */
export function eventFieldNames(fields: EventFields): string[] {
  return fields.rest === null ? [...fields.columns] : [...fields.columns, fields.rest];
}
