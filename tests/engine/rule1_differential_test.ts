/**
 * Quick start Rule 1 through the engine against an independent hand-written matcher
 * (bench/_handwritten.ts): named cases with known answers and random interleavings of keys.
 */

import assert from "node:assert/strict";
import { generateEvents } from "../../bench/_events.ts";
import { checkReports, selfCheck } from "../../bench/_self_check.ts";
import { RunObjects, RunsInline, SharedPaths, ViewsSinceMatch } from "../../bench/_state_models.ts";
import { compileRule } from "../../rules/mod.ts";

Deno.test("KeyedOperator counts the same Rule 1 matches as a hand-written matcher", () => {
  const vector = JSON.parse(
    Deno.readTextFileSync(
      new URL("../../../shared/conformance/seed/QuickStart.rule1.json", import.meta.url),
    ),
  );
  const checked = selfCheck(compileRule({ id: "1", pattern: vector.pattern }), 500);
  assert.ok(checked > 500, `only ${checked} cases were checked`);
});

Deno.test("The bench's Rule 1 state models report exactly the engine's matches", () => {
  const vector = JSON.parse(
    Deno.readTextFileSync(
      new URL("../../../shared/conformance/seed/QuickStart.rule1.json", import.meta.url),
    ),
  );
  const definition = compileRule({ id: "1", pattern: vector.pattern });
  // Few keys, so that keys reach long runs and many matches in a short stream.
  const events = generateEvents(30_000, {
    keys: 200,
    productsPerUser: 10,
    viewProbability: 0.7,
    seed: 7,
  });
  for (
    const matcher of [new RunObjects(), new RunsInline(), new SharedPaths(), new ViewsSinceMatch()]
  ) {
    const compared = checkReports(definition, events, matcher);
    assert.ok(compared > 1000, `${matcher.constructor.name}: only ${compared} matches compared`);
  }
});
