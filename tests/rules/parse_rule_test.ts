import assert from "node:assert/strict";
import { compileRule, MAX_NESTING_DEPTH, parseRule, RuleValidationError } from "../../rules/mod.ts";
import { atomic, sequence } from "../_helpers/rule_json.ts";
import { runRule } from "../_helpers/run_rule.ts";

const DEMO = "com.alibaba.ververica.cep.demo.condition.";
type Node = ReturnType<typeof atomic>;

/** An ATOMIC node with any condition JSON. */
const withCondition = (name: string, condition: unknown) =>
  ({ ...atomic(name, null), condition }) as unknown as Node;

function rejects(pattern: unknown, path: string, message: string) {
  assert.throws(() => compileRule({ id: "r19", pattern }), (error: unknown) => {
    assert.ok(error instanceof RuleValidationError, String(error));
    assert.equal(error.ruleId, "r19");
    assert.equal(error.path, path);
    assert.equal(error.message, message);
    return true;
  });
}

// a1 a2 a3 b1: with NO_SKIP every start of `a+ b` matches, with SKIP_PAST_LAST_EVENT only one.
const A_LOOP_B = () =>
  sequence([
    atomic("a", "string.startsWith(name, 'a')", {
      properties: ["LOOPING"],
      times: { from: 1, to: 1 },
    }),
    atomic("b", "name == 'b1'"),
  ], ["SKIP_TILL_NEXT"]);
const EVENTS = ["a1", "a2", "b1"].map((name) => ({ name }));

function withoutSkip(pattern: ReturnType<typeof A_LOOP_B>): Record<string, unknown> {
  const { afterMatchStrategy: _, ...rest } = pattern;
  return rest;
}

Deno.test("compileRule() reads afterMatchSkipStrategy, the field name of seed 001's table", () => {
  const pattern = {
    ...withoutSkip(A_LOOP_B()),
    afterMatchSkipStrategy: { type: "SKIP_PAST_LAST_EVENT", patternName: null },
  };
  const definition = compileRule({ id: "r19", pattern });
  assert.deepEqual(definition.afterMatchSkipStrategy, { type: "SKIP_PAST_LAST_EVENT" });
  assert.deepEqual(runRule(definition, EVENTS), ["a: a1 a2 | b: b1"]);
  assert.equal(parseRule(pattern).graph?.afterMatchStrategyField, "afterMatchSkipStrategy");
});

Deno.test("compileRule() runs NO_SKIP when a graph names no strategy, and says so", () => {
  const pattern = withoutSkip(A_LOOP_B());
  assert.deepEqual(runRule(compileRule({ id: "r19", pattern }), EVENTS), [
    "a: a1 a2 | b: b1",
    "a: a1 | b: b1",
    "a: a2 | b: b1",
  ]);
  assert.equal(parseRule(pattern).graph?.afterMatchStrategyField, null);
});

Deno.test("compileRule() accepts both strategy fields when they agree", () => {
  const skip = { type: "SKIP_TO_FIRST", patternName: "a" };
  const pattern = {
    ...withoutSkip(A_LOOP_B()),
    afterMatchStrategy: skip,
    afterMatchSkipStrategy: skip,
  };
  assert.deepEqual(compileRule({ id: "r19", pattern }).afterMatchSkipStrategy, skip);
});

Deno.test("compileRule() rejects a graph whose two strategy fields differ", () => {
  rejects(
    {
      ...withoutSkip(A_LOOP_B()),
      afterMatchStrategy: { type: "SKIP_PAST_LAST_EVENT", patternName: null },
      afterMatchSkipStrategy: { type: "NO_SKIP" },
    },
    "afterMatchSkipStrategy",
    'Cannot compile rule "r19": at "afterMatchSkipStrategy": afterMatchSkipStrategy ' +
      '{"type":"NO_SKIP"} differs from afterMatchStrategy {"type":"SKIP_PAST_LAST_EVENT"}',
  );
});

Deno.test("compileRule() ignores the pattern's version, as Flink's deserializer does", () => {
  const pattern = { ...A_LOOP_B(), version: 2 };
  assert.deepEqual(runRule(compileRule({ id: "r19", pattern }), EVENTS), [
    "a: a1 a2 | b: b1",
    "a: a1 | b: b1",
    "a: a2 | b: b1",
  ]);
});

Deno.test("compileRule() runs a CUSTOM_ARGS condition with its args as one string", () => {
  const start = withCondition("start", {
    type: "CUSTOM_ARGS",
    className: `${DEMO}CustomMiddleCondition`,
    args: "eventArgs.detail.price > 10000",
  });
  const end = withCondition("end", { type: "CLASS", className: `${DEMO}EndCondition` });
  const definition = compileRule({
    id: "r19",
    pattern: sequence([start, end], ["SKIP_TILL_NEXT"], { skip: { type: "SKIP_PAST_LAST_EVENT" } }),
  });
  const events = [
    { name: "a1", action: 0, eventArgs: '{"detail": {"price": 500}}' },
    { name: "a2", action: 0, eventArgs: '{"detail": {"price": 12300}}' },
    { name: "p1", action: 1 },
    { name: "b1", action: 2 },
  ];
  assert.deepEqual(runRule(definition, events), ["start: a2 | end: b1"]);
});

Deno.test("compileRule() rejects CUSTOM_ARGS whose args is not a string", () => {
  const a = withCondition("a", {
    type: "CUSTOM_ARGS",
    className: `${DEMO}CustomMiddleCondition`,
    args: ["x"],
  });
  rejects(
    sequence([a], []),
    "nodes[0].condition",
    'Cannot compile rule "r19": at "nodes[0].condition": Condition at "condition": "args" of ' +
      "CUSTOM_ARGS must be a string, got array",
  );
});

Deno.test("compileRule() refuses times above 1000 at once, naming the field", () => {
  const start = atomic("start", "action == 0", {
    properties: ["TIMES"],
    times: { from: 100000, to: 100000 },
  });
  const began = performance.now();
  rejects(
    sequence([start], []),
    "nodes[0].quantifier.times.from",
    'Cannot compile rule "r19": at "nodes[0].quantifier.times.from": node "start" has ' +
      "times.from 100000, above the limit of 1000",
  );
  assert.ok(performance.now() - began < 60_000); // it used to take 28 minutes
});

Deno.test("compileRule() refuses a rule whose NFA would exceed 10000 states", () => {
  const inner = atomic("start", "action == 0", {
    properties: ["TIMES"],
    times: { from: 200, to: 200 },
  });
  const group = {
    ...atomic("group", null, { properties: ["TIMES"], times: { from: 200, to: 200 } }),
    type: "COMPOSITE",
    nodes: [inner],
    edges: [],
  };
  rejects(
    sequence([group as Node], []),
    "",
    'Cannot compile rule "r19": The pattern compiles to more than 10000 NFA states',
  );
});

Deno.test("compileRule() compiles times(1000), the largest allowed, and matches it", () => {
  const start = atomic("a", null, { properties: ["TIMES"], times: { from: 1000, to: 1000 } });
  const events = Array.from({ length: 1001 }, (_, i) => ({ name: `a${i + 1}` }));
  const matches = runRule(compileRule({ id: "r19", pattern: sequence([start], []) }), events);
  assert.deepEqual(matches, [
    `a: ${events.slice(0, 1000).map((e) => e.name).join(" ")}`,
    `a: ${events.slice(1, 1001).map((e) => e.name).join(" ")}`,
  ]);
});

function nested(levels: number): Record<string, unknown> {
  let node: Record<string, unknown> = atomic("leaf", null);
  for (let i = levels; i > 0; i--) {
    node = { ...atomic(`g${i}`, null), type: "COMPOSITE", nodes: [node], edges: [] };
  }
  return sequence([node as Node], []);
}

Deno.test("compileRule() refuses COMPOSITE nodes nested deeper than the limit, with the path", () => {
  const path = Array(MAX_NESTING_DEPTH + 1).fill("nodes[0]").join(".");
  rejects(
    nested(MAX_NESTING_DEPTH + 1),
    path,
    `Cannot compile rule "r19": at "${path}": COMPOSITE nodes nest deeper than 32 levels`,
  );
  rejects(
    nested(10_000),
    path,
    `Cannot compile rule "r19": at "${path}": COMPOSITE nodes nest deeper than 32 levels`,
  );
});

Deno.test("compileRule() runs groups nested to the limit", () => {
  const definition = compileRule({ id: "r19", pattern: nested(MAX_NESTING_DEPTH) });
  assert.deepEqual(runRule(definition, [{ name: "x1" }]), ["leaf: x1"]);
});

Deno.test("compileRule() refuses nestedConditions deeper than 64 levels, with the path", () => {
  let condition: unknown = { type: "AVIATOR", expression: "action == 0" };
  for (let i = 0; i < 1000; i++) {
    condition = {
      type: "CLASS",
      className: "org.apache.flink.cep.pattern.conditions.RichNotCondition",
      nestedConditions: [condition],
    };
  }
  const inner = "condition" + ".nestedConditions[0]".repeat(65);
  rejects(
    sequence([withCondition("a", condition)], []),
    "nodes[0].condition",
    `Cannot compile rule "r19": at "nodes[0].condition": Condition at "${inner}": ` +
      "nestedConditions nest deeper than 64 levels",
  );
});
