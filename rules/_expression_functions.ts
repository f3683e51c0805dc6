/**
 * The functions of the expression subset: Aviator's `string.*` / `math.*` functions and Groovy's
 * String methods (receiver first). None of them throws: where Java would throw (a null receiver,
 * an index out of range), a predicate returns false and any other function returns nil.
 *
 * @module
 */

/** What the compiler knows about a value before the event arrives. */
export type StaticType = "boolean" | "number" | "string" | "nil" | "any";

/** A parameter's accepted type; `any` takes every value. */
export type ParameterType = "string" | "number" | "any";

/** One function of the subset. */
export interface ExpressionFunction {
  /** Parameter types; for a Groovy method the first one is the receiver. */
  readonly parameters: readonly ParameterType[];
  /** How many trailing parameters may be left out. */
  readonly optional: number;
  /** A `boolean` function always returns `true` or `false`, never nil; `any` is a sequence. */
  readonly result: "boolean" | "number" | "string" | "any";
  /** Fixed arity, so that a call allocates no argument array. */
  readonly apply: (a: unknown, b: unknown, c: unknown) => unknown;
  /** Takes any number of arguments after `parameters`: `apply` gets them all as one array. */
  readonly variadic?: boolean;
}

import { AVIATOR_MORE_FUNCTIONS } from "./_expression_sequences.ts";

const isString = (value: unknown): value is string => typeof value === "string";
const isNumber = (value: unknown): value is number => typeof value === "number";

function define(
  parameters: readonly ParameterType[],
  result: ExpressionFunction["result"],
  apply: ExpressionFunction["apply"],
  optional = 0,
): ExpressionFunction {
  return { parameters, optional, result, apply };
}

// Java's String#substring throws outside 0 <= begin <= end <= length; here that is nil.
function substring(s: unknown, begin: unknown, end: unknown): string | null {
  if (!isString(s) || !Number.isInteger(begin)) return null;
  const stop = end === undefined ? s.length : end;
  if (!Number.isInteger(stop)) return null;
  const from = begin as number;
  const to = stop as number;
  return from >= 0 && from <= to && to <= s.length ? s.substring(from, to) : null;
}

const contains = define(
  ["string", "string"],
  "boolean",
  (s, x) => isString(s) && isString(x) && s.includes(x),
);
const startsWith = define(
  ["string", "string"],
  "boolean",
  (s, x) => isString(s) && isString(x) && s.startsWith(x),
);
const endsWith = define(
  ["string", "string"],
  "boolean",
  (s, x) => isString(s) && isString(x) && s.endsWith(x),
);
const indexOf = define(
  ["string", "string"],
  "number",
  (s, x) => isString(s) && isString(x) ? s.indexOf(x) : null,
);
const length = define(["string"], "number", (s) => isString(s) ? s.length : null);
const substringFunction = define(["string", "number", "number"], "string", substring, 1);
const math = (f: (x: number) => number) =>
  define(["number"], "number", (x) => isNumber(x) ? f(x) : null);

/** Aviator functions by full name. Flink: the AviatorEvaluator built-ins of the same names. */
export const AVIATOR_FUNCTIONS: ReadonlyMap<string, ExpressionFunction> = new Map([
  ["string.contains", contains],
  ["string.startsWith", startsWith],
  ["string.endsWith", endsWith],
  ["string.length", length],
  ["string.indexOf", indexOf],
  ["string.substring", substringFunction],
  ["long", define(["any"], "number", toLong)],
  ["double", define(["any"], "number", toDouble)],
  ["math.abs", math(Math.abs)],
  // Java's Math.round rounds halves up, like JavaScript's (-2.5 gives -2 in both)
  ["math.round", math(Math.round)],
  ["math.floor", math(Math.floor)],
  ["math.ceil", math(Math.ceil)],
  ["math.sqrt", math(Math.sqrt)],
  ["math.log", math(Math.log)],
  ["math.log10", math(Math.log10)],
  ["math.sin", math(Math.sin)],
  ["math.cos", math(Math.cos)],
  ["math.tan", math(Math.tan)],
  ["math.asin", math(Math.asin)],
  ["math.acos", math(Math.acos)],
  ["math.atan", math(Math.atan)],
  ...AVIATOR_MORE_FUNCTIONS,
  [
    "math.pow",
    define(
      ["number", "number"],
      "number",
      (x, y) => isNumber(x) && isNumber(y) ? Math.pow(x, y) : null,
    ),
  ],
]);

// Long.parseLong and Double.parseDouble; a string that Java would not parse is nil.
function toLong(x: unknown): number | null {
  if (isNumber(x)) return Number.isFinite(x) ? Math.trunc(x) : null;
  return isString(x) && /^[+-]?\d+$/.test(x) ? Number(x) : null;
}
function toDouble(x: unknown): number | null {
  if (isNumber(x)) return x;
  const text = isString(x) ? javaTrim(x) : "";
  return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[dDfF]?$/.test(text)
    ? Number(text.replace(/[dDfF]$/, ""))
    : null;
}

// Java's String#trim strips the characters up to U+0020, not Unicode white space.
function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return s.slice(start, end);
}

/** Groovy methods by `.name`; the receiver is the first parameter. */
export const GROOVY_METHODS: ReadonlyMap<string, ExpressionFunction> = new Map([
  [".contains", contains],
  [".startsWith", startsWith],
  [".endsWith", endsWith],
  [".length", length],
  [".indexOf", indexOf],
  [".substring", substringFunction],
  [".size", define(["any"], "number", (s) => isString(s) || Array.isArray(s) ? s.length : null)],
  [
    ".equals",
    define(["any", "any"], "boolean", (a, b) => a !== null && a !== undefined && a === b),
  ],
  [".isEmpty", define(["string"], "boolean", (s) => isString(s) && s.length === 0)],
  [".toUpperCase", define(["string"], "string", (s) => isString(s) ? s.toUpperCase() : null)],
  [".toLowerCase", define(["string"], "string", (s) => isString(s) ? s.toLowerCase() : null)],
  [".toLong", define(["string"], "number", (s) => isString(s) ? toLong(javaTrim(s)) : null)],
  [".toInteger", define(["string"], "number", (s) => isString(s) ? toLong(javaTrim(s)) : null)],
  [".toDouble", define(["string"], "number", toDouble)],
  [".trim", define(["string"], "string", (s) => isString(s) ? javaTrim(s) : null)],
]);
