/**
 * Which event fields a rule's conditions read, so `check-rule` can warn about a condition on a
 * field that no event carries (it would be false forever, silently).
 *
 * @module
 */

import { describeExpression } from "./expression.ts";
import { join, type NodeSpec } from "./parse_rule.ts";
import { splitCustomArgs } from "./condition.ts";

/** A field read by the condition at `path` (a JSON path in the rule). */
export interface ConditionField {
  readonly path: string;
  readonly field: string;
}

// The fields the reference demo's classes read (see condition_registry.ts); a class whose first
// arg is an Aviator expression reads that expression's fields instead.
const CLASS_FIELDS: Readonly<Record<string, readonly string[]>> = {
  StartCondition: ["action"],
  EndCondition: ["action"],
  MiddleCondition: ["name"],
  SubEndCondition: ["type", "name"],
  DebugCondition: ["name"],
};
const EXPRESSION_ARG_CLASSES = new Set(["StartCondition", "CustomMiddleCondition"]);

/**
 * Lists the fields each condition of a parsed rule reads: those of AVIATOR / GROOVY expressions,
 * of nested conditions, `type` for a subtype condition, and those of the demo's classes. A class
 * from `--conditionClasses` reads what its expression reads, which the rule does not say, so it
 * adds nothing.
 *
 * @param root the parsed rule (from `parseRule`, after it compiled)
 * @returns each field once per condition, in the rule's order
 */
export function conditionFields(root: NodeSpec): ConditionField[] {
  const found: ConditionField[] = [];
  const add = (path: string, fields: Iterable<string>) => {
    for (const field of new Set(fields)) found.push({ path, field });
  };
  const visitNode = (node: NodeSpec) => {
    if (node.condition !== null) add(join(node.path, "condition"), fieldsOf(node.condition));
    if (node.quantifier.untilCondition !== null) {
      add(join(node.path, "quantifier.untilCondition"), fieldsOf(node.quantifier.untilCondition));
    }
    node.graph?.nodes.forEach(visitNode);
  };
  visitNode(root);
  return found;
}

function fieldsOf(json: unknown): string[] {
  if (typeof json !== "object" || json === null) return [];
  const c = json as Record<string, unknown>;
  if ((c.type === "AVIATOR" || c.type === "GROOVY") && typeof c.expression === "string") {
    return [...describeExpression(c.expression, c.type).variables];
  }
  if (Array.isArray(c.nestedConditions)) return c.nestedConditions.flatMap(fieldsOf);
  if (typeof c.subClassName === "string") return ["type"];
  const simpleName = String(c.className).slice(String(c.className).lastIndexOf(".") + 1);
  const args = typeof c.args === "string"
    ? splitCustomArgs(c.args)
    : Array.isArray(c.args)
    ? c.args.map(String)
    : [];
  if (EXPRESSION_ARG_CLASSES.has(simpleName) && args[0] !== undefined) {
    return [...describeExpression(args[0], "AVIATOR").variables];
  }
  return [...(CLASS_FIELDS[simpleName] ?? [])];
}
