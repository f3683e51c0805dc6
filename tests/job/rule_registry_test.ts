import assert from "node:assert/strict";
import { KeyedOperator } from "../../engine/mod.ts";
import type { LogFields, Logger, LogLevel } from "../../io/logger.ts";
import type { RuleRow } from "../../io/rule_store.ts";
import { formatMatchLine } from "../../job/demo_output.ts";
import { DEMO_PROCESS_FUNCTION, RuleRegistry } from "../../job/rule_registry.ts";
import { atomic, sequence } from "../_helpers/rule_json.ts";

interface LogLine {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
}

/** `first` (condition a) followed by `second` (condition b), skipping past the last event. */
function twoStep(a: string, b: string): string {
  return JSON.stringify(
    sequence([atomic("first", a), atomic("second", b)], ["SKIP_TILL_NEXT"], {
      skip: { type: "SKIP_PAST_LAST_EVENT" },
    }),
  );
}

const ZERO_THEN_TWO = twoStep("action == 0", "action == 2");
const ZERO_THEN_THREE = twoStep("action == 0", "action == 3");
const BROKEN = '{"name": "end", "nodes": [';

function row(
  id: string,
  version: number,
  pattern: string | null,
  fn: string | null = DEMO_PROCESS_FUNCTION,
): RuleRow {
  return { id, version, pattern, function: fn };
}

/** A registry over a real processing-time operator, with its log lines. */
function harness() {
  const lines: LogLine[] = [];
  const logger: Logger = {
    log: (level, message, fields = {}) => lines.push({ level, message, fields }),
  };
  const operator = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  const registry = new RuleRegistry({ operator, logger });
  let time = 0;
  /** Feeds events `[user, action]` on key `user,1` and returns the printed match lines. */
  const feed = (...events: [number, number][]): string[] =>
    events.flatMap(([user, action]) => {
      time += 1000;
      const event = { id: user, name: `u${user}`, action, productionId: 1, eventTime: time };
      return operator.processElement(`${user},1`, event, time).matches.map(formatMatchLine);
    });
  const logged = (message: string) => lines.filter((l) => l.message === message);
  return { operator, registry, lines, logged, feed };
}

const ruleOf = (line: string) => /\(id, version\): \((\w+), (\d+)\)/.exec(line)?.slice(1).join("@");

Deno.test("RuleRegistry.apply() starts a new rule and reports it as added", () => {
  const { operator, registry, logged, feed } = harness();
  const changes = registry.apply([row("1", 1, ZERO_THEN_TWO)]);
  assert.deepEqual(changes, {
    added: [{ id: "1", version: 1 }],
    replaced: [],
    removed: [],
    rejected: [],
  });
  assert.deepEqual(operator.rules, [{ id: "1", version: 1 }]);
  assert.deepEqual(registry.running, [{ id: "1", version: 1 }]);
  assert.deepEqual(logged("rule added").map((l) => l.fields), [{ ruleId: "1", version: 1 }]);
  assert.deepEqual(feed([5, 0], [5, 2]).map(ruleOf), ["1@1"]);
});

Deno.test("RuleRegistry.apply() changes nothing when the same snapshot comes again", () => {
  const { registry, lines } = harness();
  registry.apply([row("1", 1, ZERO_THEN_TWO)]);
  const before = lines.length;
  assert.deepEqual(registry.apply([row("1", 1, ZERO_THEN_TWO)]), {
    added: [],
    replaced: [],
    removed: [],
    rejected: [],
  });
  assert.equal(lines.length, before);
});

Deno.test("RuleRegistry.apply() replaces a rule with fresh state when its version changes", () => {
  const { operator, registry, logged, feed } = harness();
  registry.apply([row("1", 1, ZERO_THEN_TWO)]);
  assert.deepEqual(feed([5, 0]), []); // a partial match of version 1
  const changes = registry.apply([row("1", 2, ZERO_THEN_THREE)]);
  assert.deepEqual(changes.replaced, [{ id: "1", version: 2 }]);
  assert.deepEqual(changes.added, []);
  assert.deepEqual(operator.rules, [{ id: "1", version: 2 }]);
  assert.deepEqual(logged("rule replaced").map((l) => l.fields), [
    { ruleId: "1", version: 2, previousVersion: 1 },
  ]);
  // The partial match of version 1 is gone: a 3 alone does not complete anything.
  assert.deepEqual(feed([5, 3]), []);
  assert.deepEqual(feed([5, 2]), []);
  assert.deepEqual(feed([5, 0], [5, 3]).map(ruleOf), ["1@2"]);
});

Deno.test("RuleRegistry.apply() replaces a rule when its pattern changes under the same version", () => {
  const { registry } = harness();
  registry.apply([row("1", 1, ZERO_THEN_TWO)]);
  assert.deepEqual(registry.apply([row("1", 1, ZERO_THEN_THREE)]).replaced, [{
    id: "1",
    version: 1,
  }]);
});

Deno.test("RuleRegistry.apply() stops a rule and reports it as removed when its row is gone", () => {
  const { operator, registry, logged, feed } = harness();
  registry.apply([row("1", 1, ZERO_THEN_TWO), row("2", 1, ZERO_THEN_THREE)]);
  const changes = registry.apply([row("2", 1, ZERO_THEN_THREE)]);
  assert.deepEqual(changes.removed, ["1"]);
  assert.deepEqual(operator.rules, [{ id: "2", version: 1 }]);
  assert.deepEqual(logged("rule removed").map((l) => l.fields), [{ ruleId: "1" }]);
  assert.deepEqual(feed([5, 0], [5, 2], [5, 3]).map(ruleOf), ["2@1"]);
});

Deno.test("RuleRegistry.apply() stops every rule when the table is empty", () => {
  const { operator, registry, feed } = harness();
  registry.apply([row("1", 1, ZERO_THEN_TWO), row("2", 1, ZERO_THEN_THREE)]);
  const changes = registry.apply([]);
  assert.deepEqual(changes.removed.toSorted(), ["1", "2"]);
  assert.deepEqual(operator.rules, []);
  assert.deepEqual(registry.running, []);
  assert.deepEqual(feed([5, 0], [5, 2], [5, 3]), []);
});

Deno.test("RuleRegistry.apply() runs the highest version of an id", () => {
  const { operator, registry } = harness();
  const changes = registry.apply([
    row("1", 1, ZERO_THEN_TWO),
    row("1", 3, ZERO_THEN_THREE),
    row("1", 2, ZERO_THEN_TWO),
  ]);
  assert.deepEqual(changes.added, [{ id: "1", version: 3 }]);
  assert.deepEqual(operator.rules, [{ id: "1", version: 3 }]);
});

Deno.test("RuleRegistry.apply() rejects a rule that does not compile and runs nothing for it", () => {
  const { operator, registry, logged } = harness();
  const changes = registry.apply([row("1", 1, BROKEN)]);
  assert.deepEqual(changes.added, []);
  assert.equal(changes.rejected.length, 1);
  assert.deepEqual(changes.rejected[0]!.rule, { id: "1", version: 1 });
  assert.match(changes.rejected[0]!.reason, /^Cannot compile rule "1": /);
  assert.deepEqual(operator.rules, []);
  const [line] = logged("rule rejected");
  assert.equal(line?.level, "error");
  assert.deepEqual(line?.fields, {
    ruleId: "1",
    version: 1,
    reason: changes.rejected[0]!.reason,
    keptVersion: null,
  });
});

Deno.test("RuleRegistry.apply() keeps the older version running and reports once when a newer version is broken", () => {
  const { operator, registry, logged, feed } = harness();
  registry.apply([row("1", 1, ZERO_THEN_TWO)]);
  const changes = registry.apply([row("1", 1, ZERO_THEN_TWO), row("1", 2, BROKEN)]);
  assert.deepEqual(changes.rejected.map((r) => r.rule), [{ id: "1", version: 2 }]);
  assert.deepEqual(changes.removed, []);
  assert.deepEqual(operator.rules, [{ id: "1", version: 1 }]);
  assert.equal(logged("rule rejected")[0]?.fields.keptVersion, 1);
  // The next polls return the same table: nothing is reported again.
  for (let poll = 0; poll < 3; poll++) {
    assert.deepEqual(registry.apply([row("1", 1, ZERO_THEN_TWO), row("1", 2, BROKEN)]), {
      added: [],
      replaced: [],
      removed: [],
      rejected: [],
    });
  }
  assert.equal(logged("rule rejected").length, 1);
  assert.deepEqual(feed([5, 0], [5, 2]).map(ruleOf), ["1@1"]);
  // An UPDATE that leaves only the broken row still keeps version 1 running.
  registry.apply([row("1", 2, BROKEN)]);
  assert.deepEqual(operator.rules, [{ id: "1", version: 1 }]);
  assert.equal(logged("rule rejected").length, 1);
  // A fixed row replaces version 1; breaking it differently is reported again.
  assert.deepEqual(registry.apply([row("1", 3, ZERO_THEN_THREE)]).replaced, [{
    id: "1",
    version: 3,
  }]);
  assert.equal(registry.apply([row("1", 4, BROKEN)]).rejected.length, 1);
  assert.equal(registry.apply([row("1", 5, "[]")]).rejected.length, 1);
  assert.equal(logged("rule rejected").length, 3);
  assert.deepEqual(operator.rules, [{ id: "1", version: 3 }]);
});

Deno.test("RuleRegistry.apply() reports a rejected rule again after it was deleted and re-inserted", () => {
  const { registry, logged } = harness();
  registry.apply([row("1", 1, BROKEN)]);
  registry.apply([]);
  registry.apply([row("1", 1, BROKEN)]);
  assert.equal(logged("rule rejected").length, 2);
});

Deno.test("RuleRegistry.apply() rejects an unknown function", () => {
  const { operator, registry } = harness();
  const changes = registry.apply([
    row("1", 1, ZERO_THEN_TWO, "com.example.OtherFunction"),
    row("2", 1, ZERO_THEN_TWO, null),
  ]);
  assert.deepEqual(changes.rejected.map((r) => r.rule.id), ["1", "2"]);
  assert.match(changes.rejected[0]!.reason, /unknown function "com\.example\.OtherFunction"/);
  assert.match(changes.rejected[1]!.reason, /function is NULL/);
  assert.deepEqual(operator.rules, []);
});

Deno.test("RuleRegistry.apply() rejects a non-numeric id because match_results.rule_id is an INT", () => {
  const { operator, registry } = harness();
  const changes = registry.apply([row("fraud-1", 1, ZERO_THEN_TWO), row("2", 1, ZERO_THEN_TWO)]);
  assert.deepEqual(changes.rejected.map((r) => r.rule.id), ["fraud-1"]);
  assert.match(
    changes.rejected[0]!.reason,
    /^Cannot compile rule "fraud-1": .*id "fraud-1" is not an integer/,
  );
  assert.deepEqual(changes.added, [{ id: "2", version: 1 }]);
  assert.deepEqual(operator.rules, [{ id: "2", version: 1 }]);
});

Deno.test("RuleRegistry.apply() rejects two different rows with the same id and version", () => {
  const { operator, registry } = harness();
  const changes = registry.apply([row("1", 1, ZERO_THEN_TWO), row("1", 1, ZERO_THEN_THREE)]);
  assert.equal(changes.rejected.length, 1);
  assert.match(changes.rejected[0]!.reason, /2 different rows have version 1/);
  assert.deepEqual(operator.rules, []);
});

Deno.test("RuleRegistry.apply() rejects a NULL pattern", () => {
  const { registry } = harness();
  const changes = registry.apply([row("1", 1, null)]);
  assert.match(changes.rejected[0]?.reason ?? "", /pattern is NULL/);
});

Deno.test("RuleRegistry.apply() keeps the running row when a second row of its version differs, and says so", () => {
  const { operator, registry, logged, feed } = harness();
  registry.apply([row("1", 1, ZERO_THEN_TWO)]);
  const conflicting = [row("1", 1, ZERO_THEN_TWO), row("1", 1, ZERO_THEN_THREE)];
  assert.deepEqual(registry.apply(conflicting), {
    added: [],
    replaced: [],
    removed: [],
    rejected: [],
  });
  assert.deepEqual(operator.rules, [{ id: "1", version: 1 }]);
  assert.deepEqual(logged("rule rows conflict").map((l) => [l.level, l.fields]), [
    ["warn", { ruleId: "1", versions: [1, 1], running: 1, kept: "the running row" }],
  ]);
  assert.deepEqual(registry.conflicts, new Map([["1", 2]]));
  // Logged once while the conflict lasts; the running row still matches as before.
  registry.apply([row("1", 1, ZERO_THEN_THREE), row("1", 1, ZERO_THEN_TWO)]);
  assert.equal(logged("rule rows conflict").length, 1);
  assert.deepEqual(feed([5, 0], [5, 3], [5, 2]).map(ruleOf), ["1@1"]);
  // The conflict ends when one row is left.
  registry.apply([row("1", 1, ZERO_THEN_TWO)]);
  assert.deepEqual(registry.conflicts, new Map());
});

Deno.test("RuleRegistry.apply() keeps the previous version when the new one has conflicting rows", () => {
  const { operator, registry, logged } = harness();
  registry.apply([row("1", 1, ZERO_THEN_TWO)]);
  const changes = registry.apply([
    row("1", 1, ZERO_THEN_TWO),
    row("1", 2, ZERO_THEN_TWO),
    row("1", 2, ZERO_THEN_THREE),
  ]);
  assert.deepEqual(changes.rejected, [{
    rule: { id: "1", version: 2 },
    reason: 'Cannot compile rule "1": 2 different rows have version 2',
  }]);
  assert.deepEqual(operator.rules, [{ id: "1", version: 1 }]);
  assert.deepEqual(logged("rule rows conflict").map((l) => l.fields), [
    { ruleId: "1", versions: [2, 2], running: 1, kept: "the previous version" },
  ]);
  assert.deepEqual(registry.conflicts, new Map([["1", 2]]));
});
