import assert from "node:assert/strict";
import {
  type Condition,
  type Event,
  KeyedOperator,
  type OperatorOutput,
  type PatternDefinition,
} from "../../engine/mod.ts";
import { compileRule, type ConditionRegistry } from "../../rules/mod.ts";
import { atomic, sequence } from "../_helpers/rule_json.ts";

// More rules than the operator tries one by one, so that the start index is used.
const PRODUCTS = [1, 2, 3, 4, 5];

/** `a` of one product followed by any `b`. */
function product(id: number): PatternDefinition {
  return compileRule({
    id: `p${id}`,
    pattern: sequence(
      [atomic("a", `name == 'a' && product == ${id}`), atomic("b", "name == 'b'")],
      ["SKIP_TILL_NEXT"],
    ),
  });
}

/** `a` or `c` of any product followed by any `b`: nothing to index it by. */
const ANY = compileRule({
  id: "any",
  pattern: sequence(
    [atomic("a", "name == 'a' || name == 'c'"), atomic("b", "name == 'b'")],
    ["SKIP_TILL_NEXT"],
  ),
});

function operator(): KeyedOperator {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  for (const id of PRODUCTS) op.setRule({ id: `p${id}`, version: 1 }, product(id));
  op.setRule({ id: "any", version: 1 }, ANY);
  return op;
}

const ev = (name: string, id: number, productId = 0): Event => ({ name, id, product: productId });

/** Each match as `rule@version key: pattern=ids ...`. */
const shown = (out: Pick<OperatorOutput, "matches">) =>
  out.matches.map((m) =>
    `${m.rule.id}@${m.rule.version} ${m.key}: ` +
    [...m.match.entries()].map(([p, es]) => `${p}=${es.map((e) => e.id).join(",")}`).join(" ")
  );

Deno.test("KeyedOperator.processElement() starts indexed and unindexed rules an event may start", () => {
  const op = operator();
  assert.deepEqual(shown(op.processElement("k", ev("a", 1, 3), 1)), []);
  assert.deepEqual(
    op.partialMatchCounts(),
    new Map([...PRODUCTS.map((p) => [`p${p}`, p === 3 ? 1 : 0] as const), ["any", 1]]),
  );
  assert.deepEqual(shown(op.processElement("k2", ev("c", 2, 3), 2)), []);
  assert.deepEqual(shown(op.processElement("k2", ev("b", 3), 3)), ["any@1 k2: a=2 b=3"]);
});

Deno.test("KeyedOperator.processElement() matches through a key's state when the event starts nothing", () => {
  const op = operator();
  op.processElement("k", ev("a", 1, 2), 1);
  // Neither `b` nor product 9 is in the index: the rules come from the key's state.
  assert.deepEqual(shown(op.processElement("k", ev("b", 2, 9), 2)), [
    "p2@1 k: a=1 b=2",
    "any@1 k: a=1 b=2",
  ]);
  assert.deepEqual(shown(op.processElement("other", ev("b", 3, 9), 3)), []);
});

Deno.test("KeyedOperator.processElement() emits an event's matches in the order rules were set", () => {
  const op = operator();
  op.processElement("k", ev("c", 1), 1); // only "any", the last rule, has state
  op.processElement("k", ev("a", 2, 1), 2); // p1, the first rule, starts from the index
  assert.deepEqual(shown(op.processElement("k", ev("b", 3), 3)), [
    "p1@1 k: a=2 b=3",
    "any@1 k: a=1 b=3",
    "any@1 k: a=2 b=3",
  ]);
});

Deno.test("KeyedOperator.setRule() indexes a replaced rule anew, with fresh state and its place", () => {
  const op = operator();
  op.processElement("k", ev("a", 1, 3), 1);
  op.setRule({ id: "p3", version: 2 }, product(4));
  assert.deepEqual(shown(op.processElement("k", ev("b", 2), 2)), ["any@1 k: a=1 b=2"]);
  assert.deepEqual(shown(op.processElement("k", ev("a", 3, 3), 3)), []);
  assert.deepEqual(shown(op.processElement("k", ev("a", 4, 4), 4)), []);
  assert.deepEqual(shown(op.processElement("k", ev("b", 5), 5)), [
    "p3@2 k: a=4 b=5",
    "p4@1 k: a=4 b=5",
    "any@1 k: a=3 b=5",
    "any@1 k: a=4 b=5",
  ]);
  assert.deepEqual(op.rules.map((r) => `${r.id}@${r.version}`), [
    "p1@1",
    "p2@1",
    "p3@2",
    "p4@1",
    "p5@1",
    "any@1",
  ]);
});

Deno.test("KeyedOperator.removeRule() frees the rule's state in every key and unindexes it", () => {
  const op = operator();
  op.processElement("k1", ev("a", 1, 4), 1);
  op.processElement("k2", ev("a", 2, 4), 2);
  op.removeRule("p4");
  op.removeRule("any");
  assert.equal(op.keyCount, 0);
  assert.deepEqual(shown(op.processElement("k1", ev("a", 3, 4), 3)), []);
  assert.deepEqual(shown(op.processElement("k1", ev("b", 4), 4)), []);
  assert.deepEqual(op.partialMatchCounts(), new Map(["p1", "p2", "p3", "p5"].map((id) => [id, 0])));
});

/** A one-pattern rule: every event its condition accepts is a match. */
function single(condition: Condition): PatternDefinition {
  return {
    last: {
      name: "a",
      quantifier: {
        properties: new Set(["SINGLE"]),
        consumingStrategy: "SKIP_TILL_NEXT",
        innerConsumingStrategy: "SKIP_TILL_NEXT",
      },
      times: null,
      condition,
      untilCondition: null,
      window: {},
      previous: null,
      group: null,
    },
    afterMatchSkipStrategy: { type: "NO_SKIP" },
  };
}

Deno.test("KeyedOperator evaluates a condition once per event when rules share the function", () => {
  let evaluations = 0;
  const isA: Condition = (e) => {
    evaluations++;
    return e.name === "a";
  };
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  for (const id of ["r1", "r2", "r3", "r4", "r5"]) op.setRule({ id, version: 1 }, single(isA));
  op.setRule({ id: "x", version: 1 }, single((e) => e.name === "x"));
  op.processElement("k", ev("a", 1), 1); // each rule fills its decision table once
  evaluations = 0;
  const out = op.processElement("k", ev("a", 2), 2);
  assert.deepEqual(out.matches.map((m) => m.rule.id), ["r1", "r2", "r3", "r4", "r5"]);
  assert.equal(evaluations, 1);
});

Deno.test("KeyedOperator evaluates a condition once per event when rules share its signature", () => {
  let evaluations = 0;
  const registry: ConditionRegistry = new Map([[
    "com.acme.IsA",
    () => (e: Event) => {
      evaluations++;
      return e.name === "a";
    },
  ]]);
  const rule = () =>
    compileRule({
      id: "r",
      pattern: {
        ...sequence([atomic("a", null), atomic("b", "name == 'b'")], ["SKIP_TILL_NEXT"]),
        nodes: [
          atomic("b", "name == 'b'"),
          { ...atomic("a", null), condition: { type: "CLASS", className: "com.acme.IsA" } },
        ],
      },
    }, { registry });
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  for (const id of ["r1", "r2", "r3", "r4", "r5", "r6"]) op.setRule({ id, version: 1 }, rule());
  op.processElement("k1", ev("a", 1), 1);
  evaluations = 0;
  op.processElement("k2", ev("a", 2), 2);
  assert.equal(evaluations, 1);
  const out = op.processElement("k2", ev("b", 3), 3);
  assert.deepEqual(out.matches.map((m) => m.rule.id), ["r1", "r2", "r3", "r4", "r5", "r6"]);
});

/** Matches, then partial matches that timed out. */
const everything = (out: OperatorOutput) => [
  ...shown(out),
  ...shown({ matches: out.timedOut }).map((t) => `timed out ${t}`),
];

Deno.test("KeyedOperator matches with many rules exactly what each rule matches alone", () => {
  const rules: [string, PatternDefinition][] = PRODUCTS.map((p) => [`p${p}`, product(p)]);
  const shapes = {
    // An optional first element: the start can also take the second one.
    optional: sequence([
      atomic("a", "name == 'a' && product == 1", { properties: ["SINGLE", "OPTIONAL"] }),
      atomic("b", "name == 'b' && product == 2"),
    ], ["SKIP_TILL_NEXT"]),
    looping: sequence([
      atomic("a", "product == 3 && name == 'c'", {
        properties: ["LOOPING"],
        times: { from: 2, to: 2 },
      }),
      atomic("b", "name == 'b'"),
    ], ["SKIP_TILL_NEXT"]),
    strict: sequence([atomic("a", "name == 'c'"), atomic("b", "product == 4")], ["STRICT"]),
    notNext: sequence([
      atomic("a", "name == 'a' && product == 2"),
      atomic("n", "name == 'c'"),
      atomic("b", "name == 'b'"),
    ], ["NOT_NEXT", "SKIP_TILL_NEXT"]),
    windowed: sequence(
      [atomic("a", "name == 'a' && product == 5"), atomic("b", "name == 'b' && product == 5")],
      ["SKIP_TILL_NEXT"],
      { window: { type: "FIRST_AND_LAST", ms: 40 } },
    ),
  };
  for (const [id, pattern] of Object.entries(shapes)) {
    rules.push([id, compileRule({ id, pattern })]);
  }
  const together = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  const alone = rules.map(([id, definition]) => {
    const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
    op.setRule({ id, version: 1 }, definition);
    together.setRule({ id, version: 1 }, definition);
    return op;
  });
  let seed = 17;
  // The high bits of a linear congruential generator: its low bits repeat too soon.
  const random = (n: number) =>
    Math.floor((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 * n);
  let emitted = 0;
  let expiredByTime = 0;
  for (let i = 0; i < 3000; i++) {
    const key = `k${random(300)}`;
    const event = ev("abc"[random(3)]!, i, 1 + random(6));
    const expected = alone.flatMap((op) => everything(op.processElement(key, event, i)));
    assert.deepEqual(everything(together.processElement(key, event, i)), expected);
    emitted += expected.length;
    if (i % 100 !== 99) continue;
    // Windows also expire without events, rule by rule in the rules' order.
    const expired = alone.flatMap((op) => shown({ matches: op.advanceProcessingTime(i).timedOut }));
    assert.deepEqual(shown({ matches: together.advanceProcessingTime(i).timedOut }), expired);
    expiredByTime += expired.length;
  }
  assert.deepEqual(
    together.partialMatchCounts(),
    new Map(alone.flatMap((op) => [...op.partialMatchCounts()])),
  );
  assert.deepEqual([emitted, expiredByTime], [1126, 139]);
});
