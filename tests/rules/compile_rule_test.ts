import assert from "node:assert/strict";
import { compileRule, RuleValidationError } from "../../rules/mod.ts";
import { atomic, sequence } from "../_helpers/rule_json.ts";

const rule1 = JSON.parse(
  Deno.readTextFileSync(
    new URL("../../../shared/conformance/seed/QuickStart.rule1.json", import.meta.url),
  ),
).pattern;

function rejects(pattern: unknown, path: string, message: RegExp) {
  assert.throws(() => compileRule({ id: "r17", pattern }), (error: unknown) => {
    assert.ok(error instanceof RuleValidationError, String(error));
    assert.equal(error.ruleId, "r17");
    assert.equal(error.path, path);
    assert.match(error.message, /^Cannot compile rule "r17": /);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("compileRule() compiles the quick start's Rule 1 from its JSON text", () => {
  const definition = compileRule({ id: "1", pattern: JSON.stringify(rule1) });
  assert.equal(definition.last.name, "end");
  assert.equal(definition.last.previous?.name, "start");
  assert.deepEqual(definition.afterMatchSkipStrategy, { type: "SKIP_PAST_LAST_EVENT" });
  assert.deepEqual(definition.last.previous?.times, { from: 3, to: 3, windowMs: null });
});

Deno.test("compileRule() rejects text that is not JSON", () => {
  rejects("{not json", "", /pattern is not valid JSON/);
});

Deno.test("compileRule() rejects a NULL pattern", () => {
  rejects(null, "", /pattern is NULL/);
});

Deno.test("compileRule() names the field of a bad enum value", () => {
  const bad = structuredClone(rule1);
  bad.nodes[1].quantifier.properties = ["SOMETIMES"];
  rejects(bad, "nodes[1].quantifier.properties[0]", /"SOMETIMES" is not one of SINGLE, LOOPING/);
});

Deno.test("compileRule() rejects duplicate node names", () => {
  rejects(
    sequence([atomic("a", null), atomic("a", null)], ["SKIP_TILL_NEXT"]),
    "nodes[1].name",
    /"a" is used twice/,
  );
});

Deno.test("compileRule() rejects a graph without exactly one begin node", () => {
  const p = sequence([atomic("a", null), atomic("b", null)], ["SKIP_TILL_NEXT"]);
  p.edges = [];
  rejects(p, "edges", /exactly one begin node, but 2 nodes have no incoming edge \("b", "a"\)/);
});

Deno.test("compileRule() rejects an edge to an unknown node", () => {
  const p = sequence([atomic("a", null), atomic("b", null)], ["SKIP_TILL_NEXT"]);
  p.edges[0]!.target = "c";
  rejects(p, "edges[0].target", /no node is named "c"/);
});

Deno.test("compileRule() rejects until on a pattern that is not looping", () => {
  rejects(
    sequence([atomic("a", null, { until: "name == 'x'" }), atomic("b", null)], ["SKIP_TILL_NEXT"]),
    "nodes[1].quantifier.untilCondition",
    /until condition applies only to a LOOPING pattern/,
  );
});

Deno.test("compileRule() rejects GREEDY on a single pattern", () => {
  rejects(
    sequence([atomic("a", null, { properties: ["SINGLE", "GREEDY"] }), atomic("b", null)], [
      "SKIP_TILL_NEXT",
    ]),
    "nodes[1].quantifier.properties",
    /GREEDY is not applicable to a SINGLE pattern/,
  );
});

Deno.test("compileRule() rejects a pattern that ends in notFollowedBy without a window", () => {
  rejects(
    sequence([atomic("a", null), atomic("b", "name == 'b'")], ["NOT_FOLLOW"]),
    "",
    /NotFollowedBy is not supported without windowTime as a last part of a Pattern/,
  );
});

Deno.test("compileRule() accepts a trailing notFollowedBy with a window", () => {
  compileRule({
    id: "ok",
    pattern: sequence([atomic("a", null), atomic("b", "name == 'b'")], ["NOT_FOLLOW"], {
      window: { type: "FIRST_AND_LAST", ms: 10 },
    }),
  });
});

Deno.test("compileRule() rejects an optional pattern followed by NOT_NEXT", () => {
  rejects(
    sequence(
      [
        atomic("a", null),
        atomic("b", null, { properties: ["SINGLE", "OPTIONAL"] }),
        atomic("c", null),
        atomic("d", null),
      ],
      ["SKIP_TILL_NEXT", "NOT_NEXT", "SKIP_TILL_NEXT"],
    ),
    "nodes[1]",
    /an optional pattern cannot be followed by NOT_NEXT/,
  );
});

Deno.test("compileRule() rejects SKIP_TO_FIRST naming a pattern that does not exist", () => {
  rejects(
    sequence([atomic("a", null), atomic("b", null)], ["SKIP_TILL_NEXT"], {
      skip: { type: "SKIP_TO_FIRST", patternName: "zzz" },
    }),
    "",
    /"zzz" specified in AfterMatchSkipStrategy can not be found/,
  );
});

Deno.test("compileRule() rejects a bad window unit with its path", () => {
  const bad = structuredClone(rule1);
  bad.nodes[1].quantifier.times.windowTime = { unit: "WEEKS", size: 1 };
  rejects(bad, "nodes[1].quantifier.times.windowTime.unit", /"WEEKS" is not one of MILLISECONDS/);
});

Deno.test("compileRule() rejects an unknown condition class with the node's path", () => {
  const bad = structuredClone(rule1);
  bad.nodes[0].condition = { type: "CLASS", className: "com.example.Nope" };
  rejects(bad, "nodes[0].condition", /com\.example\.Nope/);
});

Deno.test("compileRule() rejects an expression outside the supported subset", () => {
  rejects(
    sequence([atomic("a", "name =~ 'x'"), atomic("b", null)], ["SKIP_TILL_NEXT"]),
    "nodes[1].condition",
    /=~/,
  );
});
