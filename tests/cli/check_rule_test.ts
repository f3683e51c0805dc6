// `main.ts check-rule FILE|-` as a user runs it: a child `deno run -A main.ts check-rule ...`.
import assert from "node:assert/strict";
import { REPO_ROOT, runMain } from "../_helpers/job_process.ts";
import { DEMO_FUNCTION, RULE_1_PATTERN } from "../_helpers/mariadb.ts";

const RULE_1_AS_PATTERN_API = [
  `Pattern.<Event>begin("start", AfterMatchSkipStrategy.skipPastLastEvent())`,
  `    .where(new AviatorCondition<>("action == 0"))`,
  `    .timesOrMore(3)`,
  `    .followedBy("end")`,
  `    .where(new EndCondition());`,
];

const RULE_1_SKIP = `After-match skip strategy: SKIP_PAST_LAST_EVENT (from "afterMatchStrategy")`;

async function withTempFile<T>(text: string, run: (path: string) => Promise<T>): Promise<T> {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, text);
    return await run(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("checkRuleCommand() prints rule 1 as the quick start's Pattern API chain", async () => {
  const result = await runMain(["check-rule", "samples/rules/rule1.json"]);
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(result.stdout, [
    `Rule "1" is valid. As a Flink Pattern:`,
    ...RULE_1_AS_PATTERN_API,
    RULE_1_SKIP,
  ]);
});

Deno.test("checkRuleCommand() prints Rule 2's window as timesOrMore(3, Time.minutes(15))", async () => {
  const result = await runMain(["check-rule", `${REPO_ROOT}samples/rules/rule2.json`]);
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.ok(
    result.stdout.includes(`    .timesOrMore(3, Time.minutes(15))`),
    result.stdout.join("\n"),
  );
});

Deno.test("checkRuleCommand() reads the pattern column's JSON alone", async () => {
  const result = await withTempFile(RULE_1_PATTERN, (path) => runMain(["check-rule", path]));
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(result.stdout.slice(1), [...RULE_1_AS_PATTERN_API, RULE_1_SKIP]);
});

Deno.test("checkRuleCommand() reads the rule from stdin when FILE is -", async () => {
  const result = await runMain(["check-rule", "-"], {
    stdin: await Deno.readTextFile(`${REPO_ROOT}samples/rules/rule1.json`),
  });
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(result.stdout, [
    `Rule "1" is valid. As a Flink Pattern:`,
    ...RULE_1_AS_PATTERN_API,
    RULE_1_SKIP,
  ]);
});

Deno.test("checkRuleCommand() exits 1 with 'Cannot compile rule' when the pattern is invalid", async () => {
  const pattern = JSON.parse(RULE_1_PATTERN);
  pattern.nodes[1].quantifier.times.from = 0;
  const result = await withTempFile(
    JSON.stringify({ id: "17", version: 1, pattern, function: DEMO_FUNCTION }),
    (path) => runMain(["check-rule", path]),
  );
  assert.equal(result.code, 1);
  assert.deepEqual(result.stdout, []);
  const stderr = result.stderr.join("\n");
  assert.match(stderr, /^Cannot compile rule "17": at "nodes\[1\]\.quantifier\.times\.from": /m);
});

Deno.test("checkRuleCommand() exits 1 with 'Cannot compile rule' when stdin is not JSON", async () => {
  const result = await runMain(["check-rule", "-"], { stdin: "not json\n" });
  assert.equal(result.code, 1);
  assert.match(result.stderr.join("\n"), /^Cannot compile rule "stdin": /m);
});

Deno.test("checkRuleCommand() exits 1 when a rule row names an unknown function", async () => {
  const result = await withTempFile(
    JSON.stringify({ id: "3", version: 1, pattern: JSON.parse(RULE_1_PATTERN), function: "x.Y" }),
    (path) => runMain(["check-rule", path]),
  );
  assert.equal(result.code, 1);
  assert.match(result.stderr.join("\n"), /^Cannot compile rule "3": .*unknown function "x\.Y"/m);
});

Deno.test("checkRuleCommand() exits 2 when the file cannot be read", async () => {
  const result = await runMain(["check-rule", "no/such/rule.json"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr.join("\n"), /^Cannot read "no\/such\/rule\.json": /m);
});

Deno.test("checkRuleCommand() says which skip strategy applies and where it was read", async () => {
  const { afterMatchStrategy, ...pattern } = JSON.parse(RULE_1_PATTERN);
  const renamed = { ...pattern, afterMatchSkipStrategy: afterMatchStrategy };
  const named = await withTempFile(
    JSON.stringify(renamed),
    (path) => runMain(["check-rule", path]),
  );
  assert.equal(named.code, 0, named.stderr.join("\n"));
  assert.equal(
    named.stdout.at(-1),
    `After-match skip strategy: SKIP_PAST_LAST_EVENT (from "afterMatchSkipStrategy")`,
  );
  assert.equal(named.stdout[1], RULE_1_AS_PATTERN_API[0]);
  const unnamed = await withTempFile(
    JSON.stringify(pattern),
    (path) => runMain(["check-rule", path]),
  );
  assert.equal(unnamed.code, 0, unnamed.stderr.join("\n"));
  assert.equal(unnamed.stdout.at(-1), "After-match skip strategy: NO_SKIP (the graph names none)");
});

Deno.test("checkRuleCommand() validates a rule naming a class of --conditionClasses", async () => {
  const pattern = JSON.parse(RULE_1_PATTERN);
  pattern.nodes[0].condition = { type: "CLASS", className: "com.acme.NotBuy" };
  const classes = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(
      classes,
      JSON.stringify({ "com.acme.NotBuy": { expression: "action != 1" } }),
    );
    const result = await withTempFile(
      JSON.stringify(pattern),
      (path) => runMain(["check-rule", "--conditionClasses", classes, path]),
    );
    assert.equal(result.code, 0, result.stderr.join("\n"));
    assert.equal(result.stdout[5], `    .where(new NotBuy());`);
    const without = await withTempFile(
      JSON.stringify(pattern),
      (path) => runMain(["check-rule", path]),
    );
    assert.equal(without.code, 1);
    assert.match(without.stderr[0]!, /unknown condition class "com\.acme\.NotBuy"$/);
  } finally {
    await Deno.remove(classes);
  }
});

Deno.test("checkRuleCommand() warns of a condition on a field that events do not carry", async () => {
  const pattern = JSON.parse(RULE_1_PATTERN);
  pattern.nodes[1].condition = { type: "AVIATOR", expression: "username == 'Ken' && action == 0" };
  const result = await withTempFile(
    JSON.stringify(pattern),
    (path) => runMain(["check-rule", path]),
  );
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(result.stderr, [
    'Warning: the condition at "nodes[1].condition" reads field "username", which events do not ' +
    "carry (CSV events carry id, name, action, productionId, eventTime, eventArgs; JSON events " +
    "also their other keys)",
  ]);
  const mapped = await withTempFile(
    JSON.stringify(pattern),
    (path) =>
      runMain([
        "check-rule",
        "--eventFields",
        "id,name,action,productionId,eventTime,username",
        path,
      ]),
  );
  assert.equal(mapped.code, 0, mapped.stderr.join("\n"));
  assert.deepEqual(mapped.stderr, []);
});

Deno.test("checkRuleCommand() refuses times 100000 at once instead of hanging", async () => {
  const pattern = JSON.parse(RULE_1_PATTERN);
  pattern.nodes[1].quantifier.times = { from: 100000, to: 100000, windowTime: null };
  const row = { id: "2", version: 1, pattern, function: DEMO_FUNCTION };
  const result = await withTempFile(JSON.stringify(row), (path) => runMain(["check-rule", path]));
  assert.equal(result.code, 1);
  assert.deepEqual(result.stderr, [
    'Cannot compile rule "2": at "nodes[1].quantifier.times.from": node "start" has times.from ' +
    "100000, above the limit of 1000",
  ]);
});
