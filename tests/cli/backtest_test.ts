// `main.ts backtest` as a user runs it: a child `deno run -A main.ts backtest ...` over the quick
// start's recorded events.
import assert from "node:assert/strict";
import { runMain } from "../_helpers/job_process.ts";
import { atomic, sequence } from "../_helpers/rule_json.ts";

const TOM_MATCH =
  "A match for Pattern of (id, version): (1, 2) is found. The event sequence: start: [Event(2, Tom, 0, 1, 1739584800000), Event(2, Tom, 0, 1, 1739585400000), Event(2, Tom, 0, 1, 1739585700000)]end: [Event(2, Tom, 0, 1, 1739586000000)]";
const KEN_MATCH =
  "A match for Pattern of (id, version): (1, 1) is found. The event sequence: start: [Event(1, Ken, 0, 1, 1662022777000), Event(1, Ken, 0, 1, 1662022778000), Event(1, Ken, 0, 1, 1662022779000)]end: [Event(1, Ken, 0, 1, 1662022780000)]";
const ALI_TIMES = [1739586600000, 1739588400000, 1739589000000, 1739590200000];
const RULE_2_ARGS = [
  "backtest",
  "--rule",
  "samples/rules/rule2.json",
  "--events",
  "samples/events_tom_ali.csv",
  "--usingEventTime",
  "true",
];

const matchLines = (lines: readonly string[]) =>
  lines.filter((line) => line.startsWith("A match for"));

Deno.test("backtestCommand() prints exactly Tom's match for Rule 2 in event time", async () => {
  const result = await runMain(RULE_2_ARGS);
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(result.stdout, [TOM_MATCH]);
  assert.ok(
    result.stderr.includes("8 events, 1 matches, 0 malformed, 0 late"),
    result.stderr.join("\n"),
  );
});

Deno.test("backtestCommand() --explain shows every run Ali opens ending timed out or discarded", async () => {
  const result = await runMain([...RULE_2_ARGS, "--explain"]);
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(matchLines(result.stdout), [TOM_MATCH]);
  const ali = result.stdout.filter((line) => line.startsWith("  [key 3,1] "));
  assert.ok(ali.length > 0, result.stdout.join("\n"));
  assert.ok(!ali.some((line) => line.includes("matched")), ali.join("\n"));
  // Every run Ali opens (one per view) ends: a window expired, or an event could not follow.
  for (const time of ALI_TIMES) {
    const event = `Event(3, Ali, 0, 1, ${time})`;
    assert.ok(ali.includes(`  [key 3,1] opened: ${event} taken by "start"`), ali.join("\n"));
    const ends = ali.filter((line) =>
      line.endsWith(`(run started by ${event})`) &&
      (line.includes("] timed out at ") || line.includes("] discarded at "))
    );
    assert.equal(ends.length, 1, `run of ${event}:\n${ali.join("\n")}`);
  }
  // Tom's run that matched is reported as such.
  assert.ok(
    result.stdout.includes(
      "  [key 2,1] matched (run started by Event(2, Tom, 0, 1, 1739584800000))",
    ),
    result.stdout.join("\n"),
  );
});

Deno.test("backtestCommand() matches Ken with Rule 1 in processing time", async () => {
  const result = await runMain([
    "backtest",
    "--rule",
    "samples/rules/rule1.json",
    "--events",
    "samples/events_ken.csv",
  ]);
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(result.stdout, [KEN_MATCH]);
});

Deno.test("backtestCommand() exits 2 with its usage when --events is missing", async () => {
  const result = await runMain(["backtest", "--rule", "samples/rules/rule2.json"]);
  assert.equal(result.code, 2);
  const stderr = result.stderr.join("\n");
  assert.ok(stderr.includes("events must be set!"), stderr);
  assert.ok(stderr.includes("Usage: edgecep backtest"), stderr);
});

Deno.test("backtestCommand() shows progress on a terminal for a big file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgecep_backtest_tty_" });
  try {
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      lines.push(`${i % 500},U,${i % 3},1,${1_700_000_000_000 + i}`);
    }
    await Deno.writeTextFile(`${dir}/events.csv`, lines.join("\n") + "\n");
    const repo = new URL("../..", import.meta.url).pathname;
    const command = [
      Deno.execPath(),
      "run",
      "-A",
      `${repo}/main.ts`,
      "backtest",
      "--rule",
      `${repo}/samples/rules/rule1.json`,
      "--events",
      `${dir}/events.csv`,
    ].map((a) => `'${a}'`).join(" ");
    // script(1) gives the command a pseudo-terminal, as a user's shell would.
    const out = await new Deno.Command("script", {
      args: ["-qec", `${command} > /dev/null`, "/dev/null"],
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, text);
    assert.match(text, /\r100000 events, \d+ matches/);
    assert.match(text, /200000 events, \d+ matches, 0 malformed, 0 late/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function withFiles<T>(
  files: Record<string, string>,
  run: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "edgecep_backtest_" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    return await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const KEN_LINES =
  (await Deno.readTextFile(new URL("../../samples/events_ken.csv", import.meta.url)))
    .trim().split("\n");

Deno.test("backtestCommand() matches Ken when his events carry the demo's eventArgs JSON", async () => {
  const lines = KEN_LINES.map((line, i) => `${line},{"detail": {"price": ${i}}, "group": "a"}`);
  const result = await withFiles(
    { "events.csv": lines.join("\n") + "\n" },
    (dir) =>
      runMain(["backtest", "--rule", "samples/rules/rule1.json", "--events", `${dir}/events.csv`]),
  );
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(result.stdout, [KEN_MATCH]);
  assert.ok(
    result.stderr.includes("4 events, 1 matches, 0 malformed, 0 late"),
    result.stderr.join("\n"),
  );
});

Deno.test("backtestCommand() reads events with the seed's field names given --eventFields", async () => {
  const json = KEN_LINES.map((line) => {
    const [id, name, action, productId, time] = line.split(",").map((f, i) =>
      i === 1 ? f : Number(f)
    );
    return JSON.stringify({ id, username: name, action, product_id: productId, event_time: time });
  });
  const result = await withFiles({ "events.json": json.join("\n") + "\n" }, (dir) =>
    runMain([
      "backtest",
      "--rule",
      "samples/rules/rule1.json",
      "--events",
      `${dir}/events.json`,
      "--eventFields",
      "id,name=username,action,productionId=product_id,eventTime=event_time",
    ]));
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(result.stdout, [KEN_MATCH]);
});

Deno.test("backtestCommand() runs a rule naming a class of --conditionClasses", async () => {
  const rule = JSON.parse(
    await Deno.readTextFile(new URL("../../samples/rules/rule1.json", import.meta.url)),
  );
  rule.pattern.nodes[1].condition = { type: "CLASS", className: "com.acme.IsView" };
  const files = {
    "rule.json": JSON.stringify(rule),
    "classes.json": JSON.stringify({ "com.acme.IsView": { expression: "action == 0" } }),
  };
  const result = await withFiles(files, (dir) =>
    runMain([
      "backtest",
      "--rule",
      `${dir}/rule.json`,
      "--events",
      "samples/events_ken.csv",
      "--conditionClasses",
      `${dir}/classes.json`,
    ]));
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.deepEqual(result.stdout, [KEN_MATCH]);
  const without = await withFiles(
    files,
    (dir) =>
      runMain(["backtest", "--rule", `${dir}/rule.json`, "--events", "samples/events_ken.csv"]),
  );
  assert.equal(without.code, 1);
  assert.deepEqual(without.stderr, [
    'Cannot compile rule "1": at "nodes[1].condition": Condition at "condition": unknown ' +
    'condition class "com.acme.IsView"',
  ]);
});

const DEMO_FUNCTION = "com.alibaba.ververica.cep.demo.dynamic.DemoPatternProcessFunction";

Deno.test("backtestCommand() --explain names the condition that refused each event of a run", async () => {
  const pattern = sequence(
    [atomic("start", "action == 0"), atomic("end", "action == 2 && price > 10")],
    ["SKIP_TILL_NEXT"],
  );
  const files = {
    "rule.json": JSON.stringify({ id: "7", version: 1, pattern, function: DEMO_FUNCTION }),
    "events.txt": [
      "1,Ken,0,1,1000",
      "1,Ken,1,1,2000",
      '{"id":1,"name":"Ken","action":2,"productionId":1,"eventTime":3000,"price":5}',
      '{"id":1,"name":"Ken","action":2,"productionId":1,"eventTime":4000,"price":20}',
    ].join("\n"),
  };
  const result = await withFiles(
    files,
    (dir) =>
      runMain([
        "backtest",
        "--rule",
        `${dir}/rule.json`,
        "--events",
        `${dir}/events.txt`,
        "--explain",
      ]),
  );
  assert.equal(result.code, 0, result.stderr.join("\n"));
  const run = "(run started by Event(1, Ken, 0, 1, 1000))";
  const end = 'new AviatorCondition<>("action == 2 && price > 10")';
  assert.deepEqual(result.stdout.filter((line) => line.startsWith("  [key 1,1] ")), [
    '  [key 1,1] opened: Event(1, Ken, 0, 1, 1000) taken by "start"',
    `  [key 1,1] rejected at "end": Event(1, Ken, 1, 1, 2000) failed "end" (${end}; the event ` +
    `has no field "price") ${run}`,
    `  [key 1,1] rejected at "end": Event(1, Ken, 2, 1, 3000) failed "end" (${end}) ${run}`,
    `  [key 1,1] advanced: Event(1, Ken, 2, 1, 4000) taken by "end" ${run}`,
    `  [key 1,1] matched ${run}`,
  ]);
});

Deno.test("backtestCommand() --explain shows matches held back behind an earlier open run", async () => {
  const pattern = sequence(
    [
      atomic("a", "string.startsWith(name, 'a')", {
        properties: ["LOOPING"],
        times: { from: 1, to: 1 },
      }),
      atomic("b", "string.startsWith(name, 'b')"),
    ],
    ["SKIP_TILL_NEXT"],
    { skip: { type: "SKIP_TO_FIRST", patternName: "a" } },
  );
  const files = {
    "rule.json": JSON.stringify({ id: "8", version: 1, pattern, function: DEMO_FUNCTION }),
    "events.csv": ["1,a1,0,1,1000", "1,a2,0,1,2000", "1,b1,0,1,3000"].join("\n"),
  };
  const result = await withFiles(
    files,
    (dir) =>
      runMain([
        "backtest",
        "--rule",
        `${dir}/rule.json`,
        "--events",
        `${dir}/events.csv`,
        "--explain",
      ]),
  );
  assert.equal(result.code, 0, result.stderr.join("\n"));
  const a1 = "Event(1, a1, 0, 1, 1000)";
  const a2 = "Event(1, a2, 0, 1, 2000)";
  assert.deepEqual(
    result.stdout.filter((line) => line.includes("held back") || line.startsWith("A match")),
    [
      `  [key 1,1] held back: the match waits for the earlier run started by ${a1}, open at "a" ` +
      `(run started by ${a2})`,
      `A match for Pattern of (id, version): (8, 1) is found. The event sequence: a: [${a1}, ${a2}]b: [Event(1, b1, 0, 1, 3000)]`,
      `A match for Pattern of (id, version): (8, 1) is found. The event sequence: a: [${a1}]b: [Event(1, b1, 0, 1, 3000)]`,
    ],
  );
});
