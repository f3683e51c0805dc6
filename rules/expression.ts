/**
 * Compiles the AVIATOR and GROOVY condition expressions of the dynamic-CEP JSON format into plain
 * closures, once, when a rule is loaded. Rule text is data: nothing is passed to `eval` or
 * `new Function`, and an expression can read only the event's own fields.
 *
 * Both dialects share one subset. Anything outside it is a `SyntaxError` naming the construct and
 * its column, never a silent misparse.
 *
 * | Construct | Aviator | Groovy | Meaning here |
 * | --- | --- | --- | --- |
 * | field | `price`, `eventArgs.detail.price` | same | the event's own property; nested plain objects by dots; missing is nil |
 * | number | `5`, `-1`, `5.0`, `1e3` | same | a double; `1 == 1.0`. No suffixes (`10L`, `1M`) or hex |
 * | string | `'a'`, `"a"`, escapes `\n \t \r \b \f \\ \' \" \uXXXX` | same, `"..."` must not interpolate `$` | text |
 * | nil | `nil` (`null` also read) | `null` (`nil` also read) | no value |
 * | boolean | `true`, `false` | same | |
 * | arithmetic | `+ - * / %`, unary `-` | same | on numbers; `+` concatenates if either side is a string (nil reads "null"); `/` is always floating-point; otherwise nil |
 * | comparison | `== != < <= > >=` | same | `==`: nil equals only nil, different types are unequal; `<` etc.: only number-number or string-string, else false (nil too) |
 * | logic | `&& \|\| !` | same | an operand counts as true only if it is `true`; `!x` is true only if `x` is `false` |
 * | grouping | `( )` | same | |
 * | string functions | `string.contains(s, x)`, `string.startsWith(s, x)`, `string.endsWith(s, x)`, `string.length(s)`, `string.indexOf(s, x)`, `string.substring(s, b[, e])` | `s.contains(x)`, `s.startsWith(x)`, `s.endsWith(x)`, `s.length()`, `s.size()`, `s.indexOf(x)`, `s.substring(b[, e])`, `s.equals(x)`, `s.isEmpty()`, `s.toUpperCase()`, `s.toLowerCase()`, `s.trim()`; `?.` reads like `.` | nil or a non-string makes a predicate false and other functions nil |
 * | regex string functions | `string.split(s, re[, limit])`, `string.join(seq[, sep])`, `string.replace_first(s, re, r)`, `string.replace_all(s, re, r)` | none | Java's `split` / `replaceFirst` / `replaceAll` (`$1` groups, `\$` a dollar); a bad regex is nil |
 * | math functions | `math.abs`, `math.round`, `math.floor`, `math.ceil`, `math.sqrt`, `math.pow(x, y)`, `math.log`, `math.log10`, `math.sin`, `math.cos`, `math.tan`, `math.asin`, `math.acos`, `math.atan` | none | on numbers, else nil |
 * | conversions | `long(x)`, `double(x)`, `str(x)`, `boolean(x)` | `s.toLong()`, `s.toInteger()`, `s.toDouble()` | Java's parse rules; unparseable is nil; `str(nil)` is "null"; `boolean` is false only for nil and false |
 * | sequences | `seq.list(...)`, `tuple(...)`, `seq.set(...)`, `include(seq, x)`, `count(seq)`, `seq.get(seq, i or key)`, `seq.contains_key(seq, i or key)`, `seq.max(seq)`, `seq.min(seq)`, `max(...)`, `min(...)` | none | lists are arrays, maps plain objects (a parsed `eventArgs`); `count` also takes a string; max/min of numbers or of strings, else nil |
 * | regex match | `s =~ /re/` | `s ==~ /re/` | true when the whole string matches (Java's `Matcher#matches`); `\/` in the literal is `/`; the regex is JavaScript's, which reads Java's common syntax alike |
 * | ternary | `test ? a : b` | same | below `\|\|`, right-associative; `test` must be a boolean; only `true` picks `a` |
 * | args | `$0`, `$1`, ... | same | only with `args`: the arg, always a string (`double($0)` for a number) |
 *
 * Not in the subset (each a named `SyntaxError`): Groovy's `=~` (a Matcher, not a boolean),
 * Elvis `?:`, `=` and compound assignment, bitwise operators, `**`, `[ ]` indexing, lambdas and
 * `{ }` (so none of the seq functions that take one: `map`, `filter`, `reduce`, `seq.every`, ...),
 * `;`, string interpolation (Aviator `#{}`, Groovy `"$x"`), keywords such as `new`, `this`,
 * `in`, `and`, `or`, any other function or method.
 *
 * Where this differs from Aviator / Groovy, on purpose, so that matching never throws:
 * - they throw on a string compared with a number, on `nil + 1` and on `!nil`; here these are
 *   false or nil. A mismatch that is certain at compile time (`1 > 'a'`, `!1`, `1 == 'a'`, an
 *   expression that yields a number) rejects the expression instead;
 * - they order nil before everything (`nil < 1` is true); here every ordering with nil is false,
 *   as the conformance vectors require;
 * - Groovy's truth (`!null`, a non-empty string) does not apply: only `true` is true;
 * - Aviator's long / long truncates (`7 / 2` is 3); here `/` gives 3.5, because a JSON number does
 *   not say whether it was a long; numbers are doubles, exact up to 2^53;
 * - a number concatenated to a string prints as JavaScript does (`'a' + 1.0` is `a1`, not `a1.0`).
 *
 * Calls whose arguments are all constants are computed once, at compile time; a nil result there
 * is an error.
 *
 * @module
 */

import type { Condition } from "../engine/mod.ts";
import type { Dialect } from "./_expression_lexer.ts";
import { type ExpressionNode, parseExpression } from "./_expression_parser.ts";
import { compileTree } from "./_expression_compiler.ts";
import { describeTree, withMetadata } from "./_condition_signature.ts";

/** The expression languages of the JSON rule format. */
export type ExpressionDialect = Dialect;

/** Options for {@linkcode compileExpression}. */
export interface CompileExpressionOptions {
  /** Values of the placeholders `$0`, `$1`, ... (a condition class's `args`). */
  readonly args?: readonly string[];
}

/**
 * Compiles an expression into a condition, once; the condition never throws.
 *
 * @example
 * ```ts
 * const isView = compileExpression("action == 0", "AVIATOR");
 * isView({ action: 0 }); // true
 * ```
 *
 * @param source the expression, e.g. `price > 10 && string.contains(name, 'mid')`
 * @param dialect `AVIATOR` or `GROOVY`
 * @param options the args for `$0`, `$1`, ...
 * @returns a condition that is true exactly when the expression yields `true`, with its
 *   signature and its top-level `field == constant` conjuncts (`Condition#signature`,
 *   `Condition#equalities`)
 * @throws {SyntaxError} when the expression is outside the subset, calls an unknown function or
 *   mixes types in a way that is certain before any event arrives; the message names the
 *   construct and its column
 * @throws {RangeError} when the expression uses `$n` and fewer than n + 1 args are given
 */
export function compileExpression(
  source: string,
  dialect: ExpressionDialect,
  options: CompileExpressionOptions = {},
): Condition {
  const tree = parseExpression(source, dialect);
  const condition = compileTree(tree, { source, dialect, args: options.args });
  // compileTree builds a new closure on every call, so the metadata is this condition's alone.
  return withMetadata(condition, describeTree(tree, dialect, options.args));
}

/** What an expression reads, from {@linkcode describeExpression}. */
export interface ExpressionDescription {
  /**
   * The event fields it reads, as Aviator's `Expression#getVariableNames` lists them (the first
   * name of a dotted path), in order of first use, without duplicates.
   */
  readonly variables: readonly string[];
  /** How many args it needs: the highest `$n` placeholder plus one, or 0. */
  readonly argCount: number;
}

/**
 * Says which fields and args an expression uses, without compiling it.
 *
 * @param source the expression
 * @param dialect `AVIATOR` or `GROOVY`
 * @returns its variables and arg count
 * @throws {SyntaxError} when the expression is outside the subset
 */
export function describeExpression(
  source: string,
  dialect: ExpressionDialect,
): ExpressionDescription {
  const variables = new Set<string>();
  let argCount = 0;
  const visit = (node: ExpressionNode): void => {
    if (node.kind === "field") variables.add(node.path[0]!);
    else if (node.kind === "arg") argCount = Math.max(argCount, node.index + 1);
    else if (node.kind === "unary") visit(node.operand);
    else if (node.kind === "binary") [node.left, node.right].forEach(visit);
    else if (node.kind === "call") node.args.forEach(visit);
    else if (node.kind === "conditional") [node.test, node.then, node.otherwise].forEach(visit);
  };
  visit(parseExpression(source, dialect));
  return { variables: [...variables], argCount };
}
