/**
 * Quick start Rule 1 through the engine against an independent hand-written matcher
 * (bench/_handwritten.ts): named cases with known answers and random interleavings of keys.
 */

import assert from "node:assert/strict";
import { selfCheck } from "../../bench/_self_check.ts";
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
