import assert from "node:assert/strict";
import {
  compileCondition,
  type ConditionRegistry,
  DEFAULT_CONDITION_REGISTRY,
} from "../../rules/condition.ts";
import { compileExpression } from "../../rules/expression.ts";
import type { Condition } from "../../engine/mod.ts";

const DEMO = "com.alibaba.ververica.cep.demo.condition.";
const RICH = "org.apache.flink.cep.pattern.conditions.";

function compile(json: unknown, registry = DEFAULT_CONDITION_REGISTRY): Condition {
  return compileCondition(json, { registry })!;
}

const aviator = (expression: string) => ({ type: "AVIATOR", expression });
const rich = (name: string, ...nestedConditions: unknown[]) => ({
  type: "CLASS",
  className: RICH + name,
  nestedConditions,
});

Deno.test("compileExpression() signs an expression with its parsed tree, fully parenthesised", () => {
  const signatures = [
    "action==0 && productionId == 7",
    "(action == 0.0) && (productionId == 7)",
    "action == 0 && (productionId == 7)",
  ].map((source) => compileExpression(source, "AVIATOR").signature);
  assert.deepEqual(signatures, Array(3).fill("((action == 0) && (productionId == 7))"));
  assert.equal(
    compileExpression("a == 1 && b == 2 && c == 3", "AVIATOR").signature,
    compileExpression("a == 1 && (b == 2 && c == 3)", "AVIATOR").signature,
  );
  assert.equal(
    compileExpression("price / -0 < 0 || !(name == nil)", "GROOVY").signature,
    "(((price / -0) < 0) || (!(name == nil)))",
  );
});

Deno.test("compileExpression() signs calls with their dialect and args with their values", () => {
  assert.equal(
    compileExpression("string.contains(name, 'mid')", "AVIATOR").signature,
    'AVIATOR:string.contains(name, "mid")',
  );
  assert.equal(
    compileExpression('name.contains("mid")', "GROOVY").signature,
    'GROOVY:.contains(name, "mid")',
  );
  assert.equal(
    compileExpression("name == $0 && price > 1", "AVIATOR", { args: ["Ken"] }).signature,
    '((name == "Ken") && (price > 1))',
  );
});

Deno.test("compileExpression() lists the field == constant conjuncts as equalities", () => {
  assert.deepEqual(
    compileExpression("action == 0 && 'Ken' == name && price > 1 && $0 == id", "AVIATOR", {
      args: ["7"],
    }).equalities,
    [
      { field: "action", value: 0 },
      { field: "name", value: "Ken" },
      { field: "id", value: "7" },
    ],
  );
});

Deno.test("compileExpression() lists no equality that the condition does not require", () => {
  const none = [
    "action == 0 || productionId == 7",
    "!(action == 0)",
    "action != 0",
    "action == nil",
    "eventArgs.group == 'a'",
    "toString == 'a'",
    "action == productionId",
  ].map((source) => compileExpression(source, "AVIATOR").equalities);
  assert.deepEqual(none, Array(7).fill([]));
});

Deno.test("compileCondition() builds a composite's signature and equalities from its parts", () => {
  const and = compile(rich("RichAndCondition", aviator("action == 0"), aviator("price > 1")));
  assert.equal(and.signature, "((action == 0) && (price > 1))");
  assert.deepEqual(and.equalities, [{ field: "action", value: 0 }]);
  const or = compile(rich("RichOrCondition", aviator("action == 0"), aviator("action == 2")));
  assert.equal(or.signature, "((action == 0) || (action == 2))");
  assert.equal(or.equalities, undefined);
  const not = compile(rich("RichNotCondition", aviator("action == 0")));
  assert.equal(not.signature, "(!(action == 0))");
  assert.equal(not.equalities, undefined);
});

Deno.test("compileCondition() signs a subtype condition as the type test it is", () => {
  const subtype = compile({ type: "CLASS", className: "x", subClassName: "a.b.SubEvent" });
  assert.equal(subtype.signature, '(type == "SubEvent")');
  assert.deepEqual(subtype.equalities, [{ field: "type", value: "SubEvent" }]);
});

Deno.test("compileCondition() signs a class by its expression, or else by its name and args", () => {
  assert.equal(
    compile({ type: "CLASS", className: DEMO + "StartCondition" }).signature,
    compile(aviator("action == 0")).signature,
  );
  const always: Condition = () => true;
  const registry: ConditionRegistry = new Map([["com.acme.Always", () => always]]);
  const classed = compile(
    { type: "CLASS", className: "com.acme.Always", args: [1, "b"] },
    registry,
  );
  assert.equal(classed.signature, 'CLASS:com.acme.Always["1","b"]');
  assert.equal(classed({}), true);
  // The class's own function is shared, so it is wrapped rather than signed.
  assert.equal(always.signature, undefined);
  assert.equal(
    compile({ type: "CLASS", className: "com.acme.Always" }, registry).signature,
    "CLASS:com.acme.Always",
  );
});
