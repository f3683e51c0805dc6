/**
 * Aviator's sequence, conversion and regex string functions (`seq.list`, `include`, `count`,
 * `str`, `string.split`, `string.replace_all`, ...), beside the string and math functions of
 * `_expression_functions.ts`. Sequences are arrays (a `seq.set` is an array without duplicates),
 * maps are plain objects such as a parsed `eventArgs`. Like every function of the subset, none
 * throws: where Aviator would throw, a predicate is false and any other function is nil.
 *
 * @module
 */

import type { ExpressionFunction } from "./_expression_functions.ts";

const isString = (value: unknown): value is string => typeof value === "string";
const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const same = (a: unknown, b: unknown): boolean => a === b || (a == null && b == null);

function define(
  parameters: ExpressionFunction["parameters"],
  result: ExpressionFunction["result"],
  apply: ExpressionFunction["apply"],
  options: { optional?: number; variadic?: boolean } = {},
): ExpressionFunction {
  return {
    parameters,
    optional: options.optional ?? 0,
    result,
    apply,
    ...(options.variadic ? { variadic: true } : {}),
  };
}

// Rules name few distinct regexes; a bounded cache keeps a regex read from events from growing it.
const regexCache = new Map<string, RegExp | null>();
function regex(source: unknown, flags: string): RegExp | null {
  if (!isString(source)) return null;
  const key = `${flags}/${source}`;
  let re = regexCache.get(key);
  if (re === undefined) {
    try {
      re = new RegExp(source, flags);
    } catch {
      re = null;
    }
    if (regexCache.size >= 256) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

/** Java's `String#split(regex, limit)`: no leading empty part from a zero-width match. */
function split(s: unknown, source: unknown, limit: unknown): string[] | null {
  const re = regex(source, "g");
  const max = limit === undefined ? 0 : limit;
  if (!isString(s) || re === null || !Number.isInteger(max)) return null;
  if (s === "") return [""];
  const parts: string[] = [];
  let last = 0;
  for (const m of s.matchAll(re)) {
    if ((max as number) > 0 && parts.length === (max as number) - 1) break;
    if (m[0] === "" && (m.index === 0 || m.index >= s.length)) continue;
    parts.push(s.slice(last, m.index));
    last = m.index + m[0].length;
  }
  parts.push(s.slice(last));
  if (max === 0) { while (parts.length > 1 && parts[parts.length - 1] === "") parts.pop(); }
  return parts;
}

// Java's replacement text: `$1` is a group, `\$` a dollar; JavaScript's needs `$$` for a dollar.
function jsReplacement(java: string): string | null {
  let out = "";
  for (let i = 0; i < java.length; i++) {
    const c = java[i]!;
    if (c === "\\") {
      const next = java[++i];
      if (next === undefined) return null;
      out += next === "$" ? "$$" : next;
    } else if (c === "$") {
      const digits = /^\d+/.exec(java.slice(i + 1))?.[0];
      if (digits === undefined) return null;
      out += `$${digits}`;
      i += digits.length;
    } else out += c;
  }
  return out;
}

function replace(all: boolean) {
  return (s: unknown, source: unknown, replacement: unknown): string | null => {
    const re = regex(source, all ? "g" : "");
    const text = isString(replacement) ? jsReplacement(replacement) : null;
    return isString(s) && re !== null && text !== null ? s.replace(re, text) : null;
  };
}

// Aviator's str(): nil prints "null"; numbers print as JavaScript does.
function str(value: unknown): string | null {
  if (value === null || value === undefined) return "null";
  const t = typeof value;
  return t === "string" || t === "number" || t === "boolean" ? String(value) : null;
}

function count(seq: unknown): number | null {
  if (Array.isArray(seq) || isString(seq)) return seq.length;
  return isMap(seq) ? Object.keys(seq).length : null;
}

function get(seq: unknown, key: unknown): unknown {
  if (Array.isArray(seq)) return Number.isInteger(key) ? seq[key as number] ?? null : null;
  return isMap(seq) && isString(key) && Object.hasOwn(seq, key) ? seq[key] : null;
}

function containsKey(seq: unknown, key: unknown): boolean {
  if (Array.isArray(seq)) {
    return Number.isInteger(key) && key as number >= 0 && key as number < seq.length;
  }
  return isMap(seq) && isString(key) && Object.hasOwn(seq, key);
}

// max/min: all numbers or all strings, else nil.
function extreme(sign: 1 | -1) {
  return (values: unknown): unknown => {
    const list = values as unknown[];
    if (list.length === 0) return null;
    const first = list[0];
    const numbers = typeof first === "number";
    if (!numbers && typeof first !== "string") return null;
    let best = first as number | string;
    for (const v of list) {
      if (numbers ? typeof v !== "number" : typeof v !== "string") return null;
      if (sign > 0 ? (v as number | string) > best : (v as number | string) < best) {
        best = v as number | string;
      }
    }
    return best;
  };
}

const list = (values: unknown) => [...(values as unknown[])];
const set = (values: unknown) => {
  const out: unknown[] = [];
  for (const v of values as unknown[]) if (!out.some((x) => same(x, v))) out.push(v);
  return out;
};

/** Aviator functions by full name, added to `AVIATOR_FUNCTIONS`. */
export const AVIATOR_MORE_FUNCTIONS: readonly [string, ExpressionFunction][] = [
  ["string.split", define(["string", "string", "number"], "any", split, { optional: 1 })],
  [
    "string.join",
    define(["any", "string"], "string", (seq, sep) => {
      if (!Array.isArray(seq)) return null;
      const parts = seq.map(str);
      return parts.includes(null) ? null : parts.join(sep === undefined ? "" : sep as string);
    }, { optional: 1 }),
  ],
  ["string.replace_first", define(["string", "string", "string"], "string", replace(false))],
  ["string.replace_all", define(["string", "string", "string"], "string", replace(true))],
  ["str", define(["any"], "string", str)],
  ["boolean", define(["any"], "boolean", (v) => v !== null && v !== undefined && v !== false)],
  ["count", define(["any"], "number", count)],
  [
    "include",
    define(
      ["any", "any"],
      "boolean",
      (seq, x) => Array.isArray(seq) && seq.some((v) => same(v, x)),
    ),
  ],
  ["seq.list", define([], "any", list, { variadic: true })],
  ["tuple", define([], "any", list, { variadic: true })],
  ["seq.set", define([], "any", set, { variadic: true })],
  ["seq.get", define(["any", "any"], "any", get)],
  ["seq.contains_key", define(["any", "any"], "boolean", containsKey)],
  ["seq.max", define(["any"], "any", (seq) => Array.isArray(seq) ? extreme(1)(seq) : null)],
  ["seq.min", define(["any"], "any", (seq) => Array.isArray(seq) ? extreme(-1)(seq) : null)],
  ["max", define([], "any", extreme(1), { variadic: true })],
  ["min", define([], "any", extreme(-1), { variadic: true })],
];
