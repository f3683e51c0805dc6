/**
 * The closures compiled expressions are made of, with the shapes that conditions use most
 * (`field == literal`, `field > number`, `string.contains(field, 'x')`) specialised so that one
 * evaluation is one call, one property read and one comparison, and allocates nothing.
 *
 * @module
 */

import type { Event } from "../engine/mod.ts";
import type { LiteralValue } from "./_expression_parser.ts";
import type { StaticType } from "./_expression_functions.ts";

/** A compiled expression node: returns a value of its static type, or nil. */
export type Fn = (event: Event) => unknown;

/** A compiled node; `literal` is set for constants, `key` for a direct one-name field read. */
export interface Compiled {
  readonly type: StaticType;
  readonly fn: Fn;
  readonly literal?: { readonly value: LiteralValue };
  readonly key?: string;
}

type Comparison = "<" | "<=" | ">" | ">=";

const hasOwn = Object.hasOwn;

function own(record: object, key: string): unknown {
  return hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;
}

/**
 * Reads a field, or a nested field `a.b.c` of plain objects, as an own property: anything else is
 * nil, so `constructor`, `__proto__` or `toString` never reach a prototype.
 *
 * @param path the field name, split at dots
 * @returns the reader, and the key when it is a direct read that specialised closures may inline
 */
export function fieldReader(path: readonly string[]): { fn: Fn; key?: string } {
  const key = path.length === 1 ? internalize(path[0]!) : undefined;
  if (key !== undefined) {
    // A name that Object.prototype lacks can only be an own property of a plain record (which is
    // what events are): the direct read is the fast one, Object.hasOwn costs ~10x per read.
    if (!(key in Object.prototype)) return { fn: (e) => e[key], key };
    return { fn: (e) => own(e, key) };
  }
  const names = path.map(internalize);
  return {
    fn: (e) => {
      let value: unknown = e;
      for (let i = 0; i < names.length; i++) {
        if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
        value = own(value, names[i]!);
      }
      return value;
    },
  };
}

/**
 * Returns V8's internalized copy of a string. A name cut out of the source text is a slice, and a
 * literal built character by character is a rope: V8 looks the first up in its string table on
 * every keyed read and flattens the second on every search, which made `action == 0` 18x and
 * `string.contains(name, 'mid')` 2x slower. A property key read back from an object is the
 * string table's own flat copy.
 *
 * @param text any string
 * @returns an equal, internalized string
 */
export function internalize(text: string): string {
  return Object.keys({ [text]: 0 })[0]!;
}

const equal = (a: unknown, b: unknown): boolean => a === b || (a == null && b == null);

/**
 * `x == literal` and `x != literal` as single closures, when one side is a literal.
 *
 * @param x any node
 * @param y the node that may be a literal
 * @returns both closures, or `undefined` when no shortcut applies
 */
export function equalsLiteral(x: Compiled, y: Compiled): { equal: Fn; notEqual: Fn } | undefined {
  if (y.literal === undefined) return undefined;
  const value = y.literal.value;
  const f = x.fn;
  if (value === null) return { equal: (e) => f(e) == null, notEqual: (e) => f(e) != null };
  const key = x.key;
  if (key === undefined) return { equal: (e) => f(e) === value, notEqual: (e) => f(e) !== value };
  return { equal: (e) => e[key] === value, notEqual: (e) => e[key] !== value };
}

/**
 * General `==` / `!=`: nil equals only nil, numbers compare by value (`1 == 1.0`), and values of
 * different types are not equal.
 *
 * @param operator `==` or `!=`
 * @param l left operand
 * @param r right operand
 * @returns the closure
 */
export function equalsWith(operator: "==" | "!=", l: Fn, r: Fn): Fn {
  return operator === "==" ? (e) => equal(l(e), r(e)) : (e) => !equal(l(e), r(e));
}

const MIRROR: Readonly<Record<Comparison, Comparison>> = {
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
};

function fieldVersusNumber(operator: Comparison, key: string, n: number): Fn {
  switch (operator) {
    case "<":
      return (e) => {
        const v = e[key];
        return typeof v === "number" && v < n;
      };
    case "<=":
      return (e) => {
        const v = e[key];
        return typeof v === "number" && v <= n;
      };
    case ">":
      return (e) => {
        const v = e[key];
        return typeof v === "number" && v > n;
      };
    case ">=":
      return (e) => {
        const v = e[key];
        return typeof v === "number" && v >= n;
      };
  }
}

// Two numbers, or two strings (in UTF-16 order, like Java's String#compareTo); anything else,
// nil included, is not ordered and every comparison with it is false.
function ordered(a: unknown, b: unknown): boolean {
  const t = typeof a;
  return (t === "number" || t === "string") && typeof b === t;
}

/**
 * `<`, `<=`, `>`, `>=`: true only between two numbers or two strings.
 *
 * @param operator the comparison
 * @param left left operand
 * @param right right operand
 * @returns the closure
 */
export function compareWith(operator: Comparison, left: Compiled, right: Compiled): Fn {
  const number = (c: Compiled) =>
    typeof c.literal?.value === "number" ? c.literal.value : undefined;
  const rightNumber = number(right);
  if (left.key !== undefined && rightNumber !== undefined) {
    return fieldVersusNumber(operator, left.key, rightNumber);
  }
  const leftNumber = number(left);
  if (right.key !== undefined && leftNumber !== undefined) {
    return fieldVersusNumber(MIRROR[operator], right.key, leftNumber);
  }
  const l = left.fn as (e: Event) => number;
  const r = right.fn as (e: Event) => number;
  switch (operator) {
    case "<":
      return (e) => {
        const a = l(e);
        const b = r(e);
        return ordered(a, b) && a < b;
      };
    case "<=":
      return (e) => {
        const a = l(e);
        const b = r(e);
        return ordered(a, b) && a <= b;
      };
    case ">":
      return (e) => {
        const a = l(e);
        const b = r(e);
        return ordered(a, b) && a > b;
      };
    case ">=":
      return (e) => {
        const a = l(e);
        const b = r(e);
        return ordered(a, b) && a >= b;
      };
  }
}

// Aviator and Groovy print nil as "null" when concatenating; a non-primitive has no text here.
function text(value: unknown): string | null {
  if (value === null || value === undefined) return "null";
  const t = typeof value;
  return t === "string"
    ? value as string
    : t === "number" || t === "boolean"
    ? String(value)
    : null;
}

function add(a: unknown, b: unknown): unknown {
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (typeof a !== "string" && typeof b !== "string") return null;
  const x = text(a);
  const y = text(b);
  return x === null || y === null ? null : x + y;
}

/**
 * Arithmetic: `+` adds two numbers or concatenates when either side is a string; `-`, `*`, `/`,
 * `%` need two numbers. Anything else is nil, which no comparison matches.
 *
 * @param operator the arithmetic operator
 * @param l left operand
 * @param r right operand
 * @returns the closure
 */
export function arithmeticWith(operator: "+" | "-" | "*" | "/" | "%", l: Fn, r: Fn): Fn {
  const numbers = (f: (a: number, b: number) => number): Fn => (e) => {
    const a = l(e);
    const b = r(e);
    return typeof a === "number" && typeof b === "number" ? f(a, b) : null;
  };
  switch (operator) {
    case "+":
      return (e) => add(l(e), r(e));
    case "-":
      return numbers((a, b) => a - b);
    case "*":
      return numbers((a, b) => a * b);
    // Always floating-point: Aviator's long / long truncates, but a JSON number does not say
    // whether it was a long or a double.
    case "/":
      return numbers((a, b) => a / b);
    case "%":
      return numbers((a, b) => a % b);
  }
}

/**
 * `string.contains(field, 'x')` (or `field.contains("x")`) as one call with an inlined read.
 *
 * @param apply the predicate
 * @param subject its first argument
 * @param argument its second argument
 * @returns the closure, or `undefined` when the arguments are not a direct field and a literal
 */
export function fieldPredicate(
  apply: (a: unknown, b: unknown, c: unknown) => unknown,
  subject: Compiled | undefined,
  argument: Compiled | undefined,
): ((e: Event) => boolean) | undefined {
  const key = subject?.key;
  const literal = argument?.literal;
  if (key === undefined || literal === undefined) return undefined;
  const value = literal.value;
  return (e) => apply(e[key], value, undefined) as boolean;
}

/**
 * A flattened `a && b && c` or `a || b || c` as one closure: no nested calls between operands.
 *
 * @param operator `&&` or `||`
 * @param fns the operands, each returning a strict boolean
 * @returns the closure
 */
export function logicalWith(
  operator: "&&" | "||",
  fns: readonly ((e: Event) => boolean)[],
): (e: Event) => boolean {
  const [a, b, c] = fns as [(e: Event) => boolean, (e: Event) => boolean, (e: Event) => boolean];
  if (operator === "&&") {
    if (fns.length === 2) return (e) => a(e) && b(e);
    if (fns.length === 3) return (e) => a(e) && b(e) && c(e);
    return (e) => {
      for (let i = 0; i < fns.length; i++) if (!fns[i]!(e)) return false;
      return true;
    };
  }
  if (fns.length === 2) return (e) => a(e) || b(e);
  if (fns.length === 3) return (e) => a(e) || b(e) || c(e);
  return (e) => {
    for (let i = 0; i < fns.length; i++) if (fns[i]!(e)) return true;
    return false;
  };
}
