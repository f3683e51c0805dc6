/**
 * Turns an expression tree into nested closures, once, when the rule is loaded. Types are checked
 * here, so that a mistake that is certain before any event arrives (`price > 'a'`, `!1`,
 * `price + 1` as a whole condition) rejects the rule instead of being false forever.
 *
 * Invariant: a closure of static type `boolean` returns `true` or `false`, never nil; closures of
 * other types may return nil (`null` or `undefined`) for any invalid input. Nothing throws.
 *
 * @module
 */

import type { Condition, Event } from "../engine/mod.ts";
import { type Dialect, where } from "./_expression_lexer.ts";
import type { BinaryOperator, ExpressionNode, LiteralValue } from "./_expression_parser.ts";
import {
  AVIATOR_FUNCTIONS,
  type ExpressionFunction,
  GROOVY_METHODS,
  type StaticType,
} from "./_expression_functions.ts";
import {
  arithmeticWith,
  compareWith,
  type Compiled,
  equalsLiteral,
  equalsWith,
  fieldPredicate,
  fieldReader,
  type Fn,
  internalize,
  logicalWith,
} from "./_expression_closures.ts";
import { conditionalWith, matchWith } from "./_expression_branches.ts";

/** Where the tree came from, for messages, and the values of `$0`, `$1`, ... */
export interface CompileContext {
  readonly source: string;
  readonly dialect: Dialect;
  readonly args: readonly string[] | undefined;
}

const ARTICLE: Readonly<Record<StaticType, string>> = {
  boolean: "a boolean",
  number: "a number",
  string: "a string",
  nil: "nil",
  any: "a value",
};

/**
 * Compiles a parsed expression into a condition.
 *
 * @param node the tree from `parseExpression`
 * @param context the source text, dialect and args
 * @returns a condition that is true only when the expression yields `true`
 * @throws {SyntaxError} on an unknown function, a wrong argument count, or a type mismatch that is
 *   certain at compile time, naming it and its column
 * @throws {RangeError} when the expression uses an arg placeholder (`$1`) that was not given
 */
export function compileTree(node: ExpressionNode, context: CompileContext): Condition {
  const root = compile(node, context);
  if (root.type !== "boolean" && root.type !== "any") {
    throw new SyntaxError(
      `Expression yields ${ARTICLE[root.type]}, not a boolean: ${JSON.stringify(context.source)}`,
    );
  }
  const fn = root.fn;
  return root.type === "boolean" ? fn as Condition : (event: Event) => fn(event) === true;
}

function fail(context: CompileContext, pos: number, problem: string): never {
  throw new SyntaxError(`${problem} ${where(context.source, pos)}`);
}

function constant(literal: LiteralValue): Compiled {
  const type: StaticType = literal === null ? "nil" : typeof literal as StaticType;
  const value = typeof literal === "string" ? internalize(literal) : literal;
  return { type, fn: () => value, literal: { value } };
}

function compile(node: ExpressionNode, context: CompileContext): Compiled {
  switch (node.kind) {
    case "literal":
      return constant(node.value);
    case "arg": {
      const arg = context.args?.[node.index];
      if (arg === undefined) {
        throw new RangeError(
          `Expression uses "$${node.index}" but only ${context.args?.length ?? 0} args are given`,
        );
      }
      // Always a string, as Flink passes it; `double($0)` or `$0.toDouble()` makes a number
      return constant(arg);
    }
    case "field": {
      const reader = fieldReader(node.path);
      return reader.key === undefined
        ? { type: "any", fn: reader.fn }
        : { type: "any", fn: reader.fn, key: reader.key };
    }
    case "unary": {
      const operand = compile(node.operand, context);
      const f = operand.fn;
      if (node.operator === "!") {
        expectType(context, node.pos, "!", operand, "boolean");
        return operand.type === "boolean"
          ? { type: "boolean", fn: (e) => !f(e) }
          : { type: "boolean", fn: (e) => f(e) === false };
      }
      expectType(context, node.pos, "-", operand, "number");
      return {
        type: "number",
        fn: (e) => {
          const v = f(e);
          return typeof v === "number" ? -v : null;
        },
      };
    }
    case "binary":
      if (node.operator === "=~" || node.operator === "==~") {
        return regexMatch(node.operator, node, context);
      }
      return node.operator === "&&" || node.operator === "||"
        ? logical(node.operator, node, context)
        : binary(
          node.operator,
          compile(node.left, context),
          compile(node.right, context),
          node.pos,
          context,
        );
    case "call":
      return call(node.name, node.args, node.pos, context);
    case "conditional":
      return conditional(node, context);
    case "regex":
      return fail(context, node.pos, "A regular expression is only supported right of =~");
  }
}

// Aviator: the test must be a boolean; the branches may differ in type.
function conditional(
  node: ExpressionNode & { kind: "conditional" },
  context: CompileContext,
): Compiled {
  const test = compile(node.test, context);
  expectType(context, node.pos, "?:", test, "boolean");
  return conditionalWith(test, compile(node.then, context), compile(node.otherwise, context));
}

function regexMatch(
  operator: "=~" | "==~",
  node: ExpressionNode & { kind: "binary" },
  context: CompileContext,
): Compiled {
  const right = node.right;
  if (right.kind !== "regex") {
    fail(
      context,
      right.pos,
      `Operator "${operator}" needs a regular expression /.../ on its right`,
    );
  }
  const left = compile(node.left, context);
  if (left.type !== "string" && left.type !== "any") {
    fail(context, node.pos, `Operator "${operator}" cannot match ${ARTICLE[left.type]}`);
  }
  try {
    return { type: "boolean", fn: matchWith(left.fn, right.pattern) };
  } catch (error) {
    return fail(context, right.pos, (error as Error).message);
  }
}

function expectType(
  context: CompileContext,
  pos: number,
  operator: string,
  operand: Compiled,
  type: "boolean" | "number",
): void {
  if (operand.type !== type && operand.type !== "any") {
    fail(
      context,
      pos,
      `Operator "${operator}" needs ${ARTICLE[type]}, got ${ARTICLE[operand.type]}`,
    );
  }
}

function logical(operator: "&&" | "||", node: ExpressionNode, context: CompileContext): Compiled {
  // Flatten a && b && c into one closure with no nested calls between the operands.
  const operands: ExpressionNode[] = [];
  const collect = (n: ExpressionNode): void => {
    if (n.kind === "binary" && n.operator === operator) {
      collect(n.left);
      collect(n.right);
    } else operands.push(n);
  };
  collect(node);
  const fns = operands.map((operand) => {
    const compiled = compile(operand, context);
    expectType(context, node.pos, operator, compiled, "boolean");
    const f = compiled.fn;
    return compiled.type === "boolean" ? f as (e: Event) => boolean : (e: Event) => f(e) === true;
  });
  return { type: "boolean", fn: logicalWith(operator, fns) };
}

function binary(
  operator: Exclude<BinaryOperator, "&&" | "||" | "=~" | "==~">,
  left: Compiled,
  right: Compiled,
  pos: number,
  context: CompileContext,
): Compiled {
  const known = (c: Compiled) => c.type !== "any" && c.type !== "nil";
  const mismatch = () =>
    fail(
      context,
      pos,
      `Operator "${operator}" cannot compare ${ARTICLE[left.type]} with ${ARTICLE[right.type]}`,
    );
  switch (operator) {
    case "==":
    case "!=": {
      if (known(left) && known(right) && left.type !== right.type) mismatch();
      const fast = equalsLiteral(left, right) ?? equalsLiteral(right, left);
      if (fast !== undefined) {
        return { type: "boolean", fn: operator === "==" ? fast.equal : fast.notEqual };
      }
      return { type: "boolean", fn: equalsWith(operator, left.fn, right.fn) };
    }
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const ordered = (c: Compiled) =>
        c.type === "number" || c.type === "string" || c.type === "any";
      if (
        !ordered(left) || !ordered(right) ||
        (known(left) && known(right) && left.type !== right.type)
      ) {
        mismatch();
      }
      return { type: "boolean", fn: compareWith(operator, left, right) };
    }
    case "+":
      if (left.type === "string" || right.type === "string") {
        return { type: "string", fn: arithmeticWith("+", left.fn, right.fn) };
      }
      // fallthrough: without a string on either side, + is arithmetic
    default: {
      const numeric = (c: Compiled) => c.type === "number" || c.type === "any";
      if (!numeric(left) || !numeric(right)) {
        fail(
          context,
          pos,
          `Operator "${operator}" cannot apply to ${ARTICLE[left.type]} and ${ARTICLE[right.type]}`,
        );
      }
      const type = operator === "+" && (left.type === "any" || right.type === "any")
        ? "any"
        : "number";
      return { type, fn: arithmeticWith(operator, left.fn, right.fn) };
    }
  }
}

function call(
  name: string,
  argNodes: readonly ExpressionNode[],
  pos: number,
  context: CompileContext,
): Compiled {
  const method = name.startsWith(".");
  const label = method ? `Method "${name.slice(1)}()"` : `Function "${name}"`;
  const receiver = argNodes[0];
  const aviatorName = method && receiver?.kind === "field" ? receiver.path.join(".") + name : "";
  if (AVIATOR_FUNCTIONS.has(aviatorName)) {
    // Groovy would read `string.contains(x)` as a method of a field named "string"
    fail(context, pos, `Aviator function "${aviatorName}" is not available in GROOVY`);
  }
  const spec: ExpressionFunction | undefined = context.dialect === "GROOVY"
    ? GROOVY_METHODS.get(name)
    : AVIATOR_FUNCTIONS.get(name);
  if (spec === undefined) {
    const groovyMethod = !method && name.includes(".") &&
      GROOVY_METHODS.has(name.slice(name.lastIndexOf(".")));
    const hint = groovyMethod ? " (a method call needs dialect GROOVY)" : "";
    const kind = method ? "method" : "function";
    fail(context, pos, `Unknown ${kind} ${JSON.stringify(method ? name.slice(1) : name)}${hint}`);
  }
  const args = argNodes.map((arg) => compile(arg, context));
  const shown = method ? 1 : 0; // a method's receiver is not one of its arguments
  const max = spec.variadic ? Infinity : spec.parameters.length;
  const min = spec.parameters.length - spec.optional;
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${max - shown}` : `${min - shown} to ${max - shown}`;
    fail(context, pos, `${label} takes ${expected} argument(s), got ${args.length - shown}`);
  }
  args.forEach((arg, i) => {
    const wanted = spec.parameters[i] ?? "any";
    if (wanted !== "any" && arg.type !== wanted && arg.type !== "any") {
      const which = method && i === 0 ? "receiver" : `argument ${i + 1 - shown}`;
      fail(context, pos, `${label} needs ${ARTICLE[wanted]} as ${which}, got ${ARTICLE[arg.type]}`);
    }
  });
  const apply = spec.apply;
  if (args.every((arg) => arg.literal !== undefined)) {
    // All constants, e.g. `double($0)`: evaluate once, so a bad arg fails at rule load
    const values = args.map((arg) => arg.literal!.value);
    const [a, b, c] = spec.variadic ? [values] : values;
    const value = apply(a, b, c) as LiteralValue | readonly unknown[] | undefined;
    if (value === null || value === undefined) {
      fail(
        context,
        pos,
        `${label} gives nil for ${JSON.stringify(args.map((arg) => arg.literal!.value))}`,
      );
    }
    // A sequence is no literal (literals are what `==` may inline), but stays computed once
    if (typeof value === "object") return { type: "any", fn: () => value };
    return constant(value);
  }
  if (spec.variadic) {
    const fns = args.map((arg) => arg.fn);
    return { type: spec.result, fn: (e) => apply(fns.map((f) => f(e)), undefined, undefined) };
  }
  const fast = spec.result === "boolean" ? fieldPredicate(apply, args[0], args[1]) : undefined;
  if (fast !== undefined) return { type: "boolean", fn: fast };
  const [a, b, c] = args.map((arg) => arg.fn) as [Fn, Fn | undefined, Fn | undefined];
  const fn: Fn = c !== undefined
    ? (e) => apply(a(e), b!(e), c(e))
    : b !== undefined
    ? (e) => apply(a(e), b(e), undefined)
    : (e) => apply(a(e), undefined, undefined);
  return { type: spec.result, fn };
}
