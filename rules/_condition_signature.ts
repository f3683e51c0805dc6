/**
 * What compiled conditions say about themselves (`Condition#signature` and
 * `Condition#equalities` in engine/pattern.ts), so that an operator running many rules shares a
 * condition's evaluation between them and finds the rules an event may start by its fields.
 *
 * A signature is a canonical text: conditions with the same signature give the same answer for
 * every event. An expression's is its parsed tree printed fully parenthesised (so `action==0`,
 * `action == 0.0` and `(action == 0)` are one), with args as the string constants they compile
 * to and calls named with their dialect, the one place the dialects differ. Composite conditions
 * print their parts with the same operators, which mean the same on booleans.
 *
 * @module
 */

import type { Condition, FieldEquality } from "../engine/mod.ts";
import type { Dialect } from "./_expression_lexer.ts";
import type { ExpressionNode } from "./_expression_parser.ts";

/** A condition's optional metadata. */
export interface ConditionMetadata {
  readonly signature?: string;
  readonly equalities?: readonly FieldEquality[];
}

/**
 * The signature and the top-level `field == constant` conjuncts of a compiled expression.
 * @param node the parsed expression, which compiled with `args`
 * @param dialect its dialect
 * @param args the values of `$0`, `$1`, ...
 */
export function describeTree(
  node: ExpressionNode,
  dialect: Dialect,
  args: readonly string[] | undefined,
): ConditionMetadata {
  const equalities: FieldEquality[] = [];
  for (const conjunct of operandsOf("&&", node)) {
    if (conjunct.kind !== "binary" || conjunct.operator !== "==") continue;
    const equality = fieldEquality(conjunct.left, conjunct.right, args) ??
      fieldEquality(conjunct.right, conjunct.left, args);
    if (equality !== undefined) equalities.push(equality);
  }
  return { signature: print(node, dialect, args), equalities };
}

/**
 * The metadata of `type == '<typeName>'`, which a subtype condition tests.
 * @param typeName the simple class name
 */
export function describeSubtype(typeName: string): ConditionMetadata {
  return describeTree(
    {
      kind: "binary",
      operator: "==",
      left: { kind: "field", path: ["type"], pos: 0 },
      right: { kind: "literal", value: typeName, pos: 0 },
      pos: 0,
    },
    "AVIATOR",
    undefined,
  );
}

/**
 * The metadata of a composite condition of `parts`: a signature when every part has one, and for
 * `and` the conjuncts of both parts.
 * @param kind Flink's RichAndCondition, RichOrCondition or RichNotCondition
 * @param parts its nested conditions
 */
export function describeComposite(
  kind: "and" | "or" | "not",
  parts: readonly Condition[],
): ConditionMetadata {
  const signatures = parts.map((part) => part.signature);
  const signed = signatures.every((s) => s !== undefined);
  const signature = !signed
    ? undefined
    : kind === "not"
    ? `(!${signatures[0]})`
    : `(${signatures.join(kind === "and" ? " && " : " || ")})`;
  const equalities = kind === "and" ? parts.flatMap((part) => part.equalities ?? []) : [];
  return {
    ...(signature === undefined ? {} : { signature }),
    ...(equalities.length === 0 ? {} : { equalities }),
  };
}

/**
 * Adds metadata to a condition that was just built for the caller, and so is its own function.
 * @returns the same condition
 */
export function withMetadata(condition: Condition, metadata: ConditionMetadata): Condition {
  return Object.assign(condition, metadata);
}

function operandsOf(operator: "&&" | "||", node: ExpressionNode): ExpressionNode[] {
  if (node.kind !== "binary" || node.operator !== operator) return [node];
  return [...operandsOf(operator, node.left), ...operandsOf(operator, node.right)];
}

// Compiled as `event[field] === value` (see equalsLiteral): a one-name field that Object.prototype
// lacks, against a constant other than nil.
function fieldEquality(
  field: ExpressionNode,
  constant: ExpressionNode,
  args: readonly string[] | undefined,
): FieldEquality | undefined {
  if (field.kind !== "field" || field.path.length !== 1 || field.path[0]! in Object.prototype) {
    return undefined;
  }
  const value = constant.kind === "literal"
    ? constant.value
    : constant.kind === "arg"
    ? args?.[constant.index]
    : undefined;
  if (value === null || value === undefined) return undefined;
  return { field: field.path[0]!, value };
}

function print(
  node: ExpressionNode,
  dialect: Dialect,
  args: readonly string[] | undefined,
): string {
  const p = (n: ExpressionNode) => print(n, dialect, args);
  switch (node.kind) {
    case "literal":
      return typeof node.value === "string"
        ? JSON.stringify(node.value)
        : node.value === null
        ? "nil"
        // -0 prints as "0", yet 1 / -0 is not 1 / 0.
        : Object.is(node.value, -0)
        ? "-0"
        : String(node.value);
    case "arg":
      return JSON.stringify(args?.[node.index] ?? null);
    case "field":
      return node.path.join(".");
    case "unary":
      return `(${node.operator}${p(node.operand)})`;
    case "binary":
      if (node.operator === "&&" || node.operator === "||") {
        return `(${operandsOf(node.operator, node).map(p).join(` ${node.operator} `)})`;
      }
      return `(${p(node.left)} ${node.operator} ${p(node.right)})`;
    case "call":
      return `${dialect}:${node.name}(${node.args.map(p).join(", ")})`;
    case "conditional":
      return `(${p(node.test)} ? ${p(node.then)} : ${p(node.otherwise)})`;
    case "regex":
      return `regex(${JSON.stringify(node.pattern)})`;
  }
}
