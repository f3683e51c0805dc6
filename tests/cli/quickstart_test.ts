// `main.ts` with no arguments replays the quick start on the embedded stand-ins (SQLite and the
// sample event files), as a user running it for the first time sees it.
import assert from "node:assert/strict";
import { runMain } from "../_helpers/job_process.ts";

const KEN_MATCH =
  "A match for Pattern of (id, version): (1, 1) is found. The event sequence: start: [Event(1, Ken, 0, 1, 1662022777000), Event(1, Ken, 0, 1, 1662022778000), Event(1, Ken, 0, 1, 1662022779000)]end: [Event(1, Ken, 0, 1, 1662022780000)]";
const TOM_MATCH =
  "A match for Pattern of (id, version): (1, 2) is found. The event sequence: start: [Event(2, Tom, 0, 1, 1739584800000), Event(2, Tom, 0, 1, 1739585400000), Event(2, Tom, 0, 1, 1739585700000)]end: [Event(2, Tom, 0, 1, 1739586000000)]";

Deno.test("quickstartCommand() runs with no arguments: Ken's and Tom's matches, then the table without Ali", async () => {
  // The replay keeps its SQLite file in a new temp directory: keep that inside one we remove.
  const tmp = await Deno.makeTempDir({ prefix: "edgecep_quickstart_test_" });
  try {
    const result = await runMain([], { env: { TMPDIR: tmp } });
    assert.equal(result.code, 0, result.stderr.join("\n"));
    assert.deepEqual(result.stdout, [
      KEN_MATCH,
      TOM_MATCH,
      "rule_id | rule_version | user_id | user_name | production_id",
      "1 | 1 | 1 | Ken | 1",
      "1 | 2 | 2 | Tom | 1",
    ]);
    assert.ok(!result.stdout.some((line) => line.includes("Ali")));
    assert.ok(
      result.stderr.includes(
        "No flags given: replaying the quick start on embedded stand-ins (see README).",
      ),
      result.stderr.join("\n"),
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("deno task start (the README's run command) replays the quick start with its least-privilege permissions", async () => {
  const repo = new URL("../..", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "start"],
    cwd: repo,
    env: { NO_COLOR: "1" },
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "");
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.deepEqual(stdout.slice(-5), [
    KEN_MATCH,
    TOM_MATCH,
    "rule_id | rule_version | user_id | user_name | production_id",
    "1 | 1 | 1 | Ken | 1",
    "1 | 2 | 2 | Tom | 1",
  ]);
});

Deno.test("deno task start refuses, at once, an SQLite path its permissions do not cover", async () => {
  const repo = new URL("../..", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "start",
      "--inputTopic",
      "samples/events_ken.csv",
      "--jdbcUrl",
      "jdbc:sqlite:/etc/edgecep-not-allowed.db",
      "--tableName",
      "rds_demo",
    ],
    cwd: repo,
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(out.code, 2);
  assert.match(
    new TextDecoder().decode(out.stderr),
    /--jdbcUrl: edgecep may not write "\/etc\/edgecep-not-allowed.db"/,
  );
});
