import assert from "node:assert/strict";
import {
  compileCondition,
  type ConditionRegistry,
  DEFAULT_CONDITION_REGISTRY,
  loadConditionClasses,
  splitCustomArgs,
} from "../../rules/condition.ts";
import type { Condition } from "../../engine/mod.ts";

const DEMO = "com.alibaba.ververica.cep.demo.condition.";
const RICH = "org.apache.flink.cep.pattern.conditions.";

function compile(
  json: unknown,
  registry: ConditionRegistry = DEFAULT_CONDITION_REGISTRY,
): Condition {
  const condition = compileCondition(json, { registry, path: "nodes[1].condition" });
  assert.notEqual(condition, null);
  return condition!;
}

const aviator = (expression: string) => ({ type: "AVIATOR", expression });
const demoClass = (name: string, args?: unknown[]) =>
  args === undefined
    ? { type: "CLASS", className: DEMO + name }
    : { type: "CLASS", className: DEMO + name, args };

Deno.test("compileCondition() returns null when the condition is null", () => {
  assert.equal(compileCondition(null, { registry: DEFAULT_CONDITION_REGISTRY }), null);
  assert.equal(compileCondition(undefined, { registry: DEFAULT_CONDITION_REGISTRY }), null);
});

Deno.test("compileCondition() compiles AVIATOR and GROOVY expressions", () => {
  assert.equal(compile(aviator("action == 0"))({ action: 0 }), true);
  const groovy = compile({ type: "GROOVY", expression: 'price > 5.0 && name.contains("mid")' });
  assert.equal(groovy({ price: 6, name: "xmidy" }), true);
  assert.equal(groovy({ price: 4, name: "xmidy" }), false);
});

Deno.test("compileCondition() names the path and the field when the shape is wrong", () => {
  const at = 'Condition at "nodes[1].condition": ';
  // deno-fmt-ignore
  const cases: Array<[unknown, ErrorConstructor, string]> = [
    [{ type: "FOO" }, RangeError, 'type "FOO" is not one of CLASS, AVIATOR, GROOVY, CUSTOM_ARGS'],
    [{ type: "Class", className: "x" }, RangeError, 'type "Class" is not one of CLASS, AVIATOR, GROOVY, CUSTOM_ARGS'],
    [{ expression: "a == 1" }, TypeError, '"type" must be a string, got undefined'],
    [[aviator("a == 1")], TypeError, "expected an object, got array"],
    ["a == 1", TypeError, "expected an object, got string"],
    [{ type: "AVIATOR" }, TypeError, '"expression" must be a string, got undefined'],
    [{ type: "GROOVY", expression: 7 }, TypeError, '"expression" must be a string, got number'],
    [{ type: "CLASS" }, TypeError, '"className" must be a string, got undefined'],
    [{ ...demoClass("EndCondition"), args: "x" }, TypeError, '"args" must be an array, got string'],
    [demoClass("EndCondition", [{}]), TypeError, '"args[0]" must be a string, got object'],
    [{ type: "CLASS", className: "com.acme.Nope" }, RangeError, 'unknown condition class "com.acme.Nope"'],
    [aviator("a[0] == 1"), SyntaxError, 'Unsupported expression construct "[" at column 2 in "a[0] == 1"'],
    [demoClass("EndCondition", ["x"]), RangeError, `class "${DEMO}EndCondition": Takes no args, got 1`],
  ];
  for (const [json, ErrorClass, problem] of cases) {
    assert.throws(() => compile(json), { name: ErrorClass.name, message: at + problem }, problem);
  }
});

Deno.test("compileCondition() combines RichAnd/RichOr/RichNot nestedConditions", () => {
  const a = aviator("a == 1");
  const b = aviator("b == 1");
  const and = compile({
    type: "CLASS",
    className: `${RICH}RichAndCondition`,
    nestedConditions: [a, b],
  });
  const or = compile({
    type: "CLASS",
    className: `${RICH}RichOrCondition`,
    nestedConditions: [a, b],
  });
  const not = compile({
    type: "CLASS",
    className: `${RICH}RichNotCondition`,
    nestedConditions: [a],
  });
  const rows: Array<[Record<string, number>, boolean, boolean, boolean]> = [
    [{ a: 1, b: 1 }, true, true, false],
    [{ a: 1, b: 0 }, false, true, false],
    [{ a: 0, b: 1 }, false, true, true],
    [{ a: 0, b: 0 }, false, false, true],
  ];
  for (const [event, andValue, orValue, notValue] of rows) {
    assert.deepEqual([and(event), or(event), not(event)], [andValue, orValue, notValue]);
  }
  // Flink matches the composite class names by suffix (shaded or relocated packages)
  // deno-fmt-ignore
  const nested = {
    type: "CLASS",
    className: "shaded.org.apache.flink.cep.pattern.conditions.RichNotCondition",
    nestedConditions: [{ type: "CLASS", className: `${RICH}RichOrCondition`, nestedConditions: [a, demoClass("EndCondition")] }],
  };
  assert.equal(compile(nested)({ a: 0, action: 1 }), true);
  assert.equal(compile(nested)({ a: 0, action: 0 }), false);
});

Deno.test("compileCondition() rejects nestedConditions that Flink would misread", () => {
  const at = 'Condition at "nodes[1].condition';
  const a = aviator("a == 1");
  // deno-fmt-ignore
  const cases: Array<[unknown, ErrorConstructor, string]> = [
    [{ type: "CLASS", className: `${RICH}RichAndCondition`, nestedConditions: [a, a, a] }, RangeError, `": class "${RICH}RichAndCondition" takes 2 nestedConditions, got 3`],
    [{ type: "CLASS", className: `${RICH}RichNotCondition`, nestedConditions: [] }, RangeError, `": class "${RICH}RichNotCondition" takes 1 nestedConditions, got 0`],
    [{ type: "CLASS", className: `${RICH}RichOrCondition` }, TypeError, `": class "${RICH}RichOrCondition" needs "nestedConditions"`],
    [{ ...demoClass("EndCondition"), nestedConditions: [a] }, RangeError, `": class "${DEMO}EndCondition" takes no nestedConditions`],
    [{ type: "CLASS", className: `${RICH}RichOrCondition`, nestedConditions: {} }, TypeError, '": "nestedConditions" must be an array, got object'],
    [{ type: "CLASS", className: `${RICH}RichOrCondition`, nestedConditions: [a, null] }, TypeError, '.nestedConditions[1]": expected an object, got null'],
    [{ type: "CLASS", className: `${RICH}RichOrCondition`, nestedConditions: [a, aviator("b ==")] }, SyntaxError, '.nestedConditions[1]": Unexpected end of expression at column 5 in "b =="'],
  ];
  for (const [json, ErrorClass, problem] of cases) {
    assert.throws(() => compile(json), { name: ErrorClass.name, message: at + problem }, problem);
  }
});

Deno.test("compileCondition() tests the type field when the condition has a subClassName", () => {
  const subtype = (subClassName: string) =>
    compile({ type: "CLASS", className: `${RICH}SubtypeCondition`, subClassName });
  assert.equal(subtype("org.apache.flink.cep.SubEvent")({ type: "SubEvent" }), true);
  assert.equal(subtype("org.apache.flink.cep.SubEvent")({ type: "Event" }), false);
  assert.equal(subtype("org.apache.flink.cep.SubEvent")({}), false);
  assert.equal(subtype("org.apache.flink.cep.NFAITCase$SubEvent")({ type: "SubEvent" }), true);
});

Deno.test("compileCondition() reproduces the demo's StartCondition, MiddleCondition and EndCondition", () => {
  const start = compile(demoClass("StartCondition"));
  assert.deepEqual([start({ action: 0 }), start({ action: 1 }), start({})], [true, false, false]);
  const startWithArg = compile(demoClass("StartCondition", ["action == 2"]));
  assert.deepEqual([startWithArg({ action: 2 }), startWithArg({ action: 0 })], [true, false]);
  const middle = compile(demoClass("MiddleCondition"));
  assert.deepEqual([middle({ name: "a-middle-b" }), middle({ name: "mid" }), middle({})], [
    true,
    false,
    false,
  ]);
  // EndCondition is `action != 1`: an event without the field is not 1
  const end = compile(demoClass("EndCondition"));
  assert.deepEqual([end({ action: 0 }), end({ action: 1 }), end({ action: 1.0 }), end({})], [
    true,
    false,
    false,
    true,
  ]);
  const ververica = compile({
    type: "CLASS",
    className: "com.ververica.cep.demo.condition.EndCondition",
  });
  assert.equal(ververica({ action: 2 }), true);
});

Deno.test("compileCondition() reproduces the demo's SubEndCondition and DebugCondition", () => {
  const subEnd = compile(demoClass("SubEndCondition"));
  assert.equal(subEnd({ type: "SubEvent", name: "subEnd" }), true);
  assert.equal(subEnd({ name: "subEnd" }), false);
  const debug = compile(demoClass("DebugCondition"));
  assert.deepEqual([debug({ name: "debug" }), debug({ name: "debugger" })], [true, false]);
});

Deno.test("compileCondition() reproduces the demo's CustomMiddleCondition with target groups", () => {
  const condition = compile(
    demoClass("CustomMiddleCondition", ["eventArgs.detail.price > 10000", "A", "B"]),
  );
  const event = (eventArgs: unknown) => ({ id: 1, name: "x", action: 0, eventArgs });
  assert.equal(condition(event('{"detail":{"price":20000}}')), true);
  assert.equal(condition(event('{"detail":{"price":20000},"group":"A"}')), true);
  assert.equal(condition(event('{"detail":{"price":20000},"group":"C"}')), false);
  assert.equal(condition(event('{"detail":{"price":500},"group":"B"}')), false);
  assert.equal(condition(event({ detail: { price: 20000 }, group: "B" })), true);
  assert.equal(condition(event("not json")), false);
  assert.equal(condition(event(null)), false);
  // The quick start names the class in Flink's package and passes numbers as args
  const alias = compile({
    type: "CLASS",
    className: `${RICH}CustomMiddleCondition`,
    args: ["action == 1", 7],
  });
  assert.deepEqual([alias({ action: 1 }), alias({ action: 0 })], [true, false]);
  // As in the demo, an expression that reads no field is always true
  assert.equal(compile(demoClass("CustomMiddleCondition", ["1 == 2"]))({}), true);
  assert.throws(() => compile(demoClass("CustomMiddleCondition", [])), /Needs at least 1 arg/);
});

const USER_CLASSES = JSON.stringify({
  "com.acme.HighPrice": { expression: "price > double($0)", description: "price above args[0]" },
  "com.acme.IsMiddle": { expression: 'name.contains("middle")', dialect: "GROOVY" },
  [`${DEMO}MiddleCondition`]: { expression: "action == 1" },
});

Deno.test("loadConditionClasses() adds classes from JSON that rules can name", () => {
  const registry = loadConditionClasses(USER_CLASSES);
  const high = compile({ type: "CLASS", className: "com.acme.HighPrice", args: ["10"] }, registry);
  assert.deepEqual([high({ price: 11 }), high({ price: 10 })], [true, false]);
  const isMiddle = compile({ type: "CLASS", className: "com.acme.IsMiddle" }, registry);
  assert.equal(isMiddle({ name: "in the middle" }), true);
  // A file may redefine a built-in; the default registry stays as it was
  assert.equal(compile(demoClass("MiddleCondition"), registry)({ action: 1 }), true);
  assert.equal(compile(demoClass("MiddleCondition"))({ action: 1 }), false);
  assert.equal(compile(demoClass("EndCondition"), registry)({ action: 0 }), true);
});

Deno.test("loadConditionClasses() checks a user class's args when a rule uses it", () => {
  const registry = loadConditionClasses(USER_CLASSES);
  const at = 'Condition at "nodes[1].condition": class ';
  assert.throws(() => compile({ type: "CLASS", className: "com.acme.HighPrice" }, registry), {
    name: "RangeError",
    message: `${at}"com.acme.HighPrice": Needs 1 args, got 0`,
  });
  assert.throws(
    () => compile({ type: "CLASS", className: "com.acme.IsMiddle", args: ["x"] }, registry),
    {
      name: "RangeError",
      message: `${at}"com.acme.IsMiddle": Takes no args, got 1`,
    },
  );
  assert.throws(
    () => compile({ type: "CLASS", className: "com.acme.HighPrice", args: ["ten"] }, registry),
    { name: "SyntaxError", message: /Function "double" gives nil for \["ten"\]/ },
  );
});

Deno.test("loadConditionClasses() rejects a bad file naming the class", () => {
  // deno-fmt-ignore
  const cases: Array<[string, ErrorConstructor, RegExp]> = [
    ["{", SyntaxError, /^Condition classes are not valid JSON: /],
    ["[]", TypeError, /^Condition classes must be a JSON object, got array$/],
    ['{"X": "a == 1"}', TypeError, /^Condition class "X": must be an object, got string$/],
    ['{"X": {"expr": "a == 1"}}', RangeError, /^Condition class "X": field "expr" is not one of expression, dialect, description$/],
    ['{"X": {"expression": 1}}', TypeError, /^Condition class "X": "expression" must be a string, got number$/],
    ['{"X": {"expression": "a == 1", "dialect": "MVEL"}}', RangeError, /^Condition class "X": dialect "MVEL" is not one of AVIATOR, GROOVY$/],
    ['{"X": {"expression": "a ** 1"}}', SyntaxError, /^Condition class "X": Unsupported expression construct "\*\*" at column 3/],
    ['{"X": {"expression": "1 + $0"}}', SyntaxError, /^Condition class "X": Expression yields a string, not a boolean/],
  ];
  for (const [text, ErrorClass, message] of cases) {
    assert.throws(() => loadConditionClasses(text), { name: ErrorClass.name, message }, text);
  }
});

Deno.test("splitCustomArgs() splits at commas outside quotes and brackets, trimming each arg", () => {
  assert.deepEqual(splitCustomArgs("eventArgs.detail.price > 10000"), [
    "eventArgs.detail.price > 10000",
  ]);
  assert.deepEqual(splitCustomArgs("price > 10, vip ,gold"), ["price > 10", "vip", "gold"]);
  assert.deepEqual(splitCustomArgs("string.contains(name, 'a,b'), \"x,y\""), [
    "string.contains(name, 'a,b')",
    '"x,y"',
  ]);
  assert.deepEqual(splitCustomArgs("  "), []);
  assert.deepEqual(splitCustomArgs("a,"), ["a", ""]);
});

Deno.test("compileCondition() passes a CUSTOM_ARGS string's parts to a user's class as $0, $1", () => {
  const registry = loadConditionClasses(
    JSON.stringify({
      "com.acme.Between": { expression: "price > double($0) && price < double($1)" },
    }),
  );
  const between = compile(
    { type: "CUSTOM_ARGS", className: "com.acme.Between", args: "10, 20" },
    registry,
  );
  assert.deepEqual([5, 15, 25].map((price) => between({ price })), [false, true, false]);
});
