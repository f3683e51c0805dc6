// The checkpointed pipeline in process, against a real SQLite checkpoint store: state restored
// across restarts, and rows of replayed events written once. (Kafka and MariaDB, kill -9 and
// several instances are in checkpoint_e2e_test.ts.)
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type CheckpointStore, SILENT_LOGGER, SqliteCheckpointStore } from "../../io/mod.ts";
import { Metrics } from "../../job/metrics.ts";
import { DEMO_PROCESS_FUNCTION } from "../../job/rule_registry.ts";
import { JOB_STATE_FORMAT_VERSION } from "../../job/checkpointer.ts";
import { runJob } from "../../job/run_job.ts";
import { MemoryRuleStore, MemorySource } from "../_helpers/memory_io.ts";

const rule1 = Deno.readTextFileSync(
  new URL("../../../shared/conformance/seed/QuickStart.rule1.json", import.meta.url),
);
const RULE_1 = {
  id: "1",
  version: 1,
  pattern: JSON.stringify(JSON.parse(rule1).pattern),
  function: DEMO_PROCESS_FUNCTION,
};
/** Ken's four views: Rule 1 matches at the fourth. */
const KEN = [
  "1,Ken,0,1,1662022777000",
  "1,Ken,0,1,1662022778000",
  "1,Ken,0,1,1662022779000",
  "1,Ken,0,1,1662022780000",
];

async function openStore(path: string): Promise<SqliteCheckpointStore> {
  const store = new SqliteCheckpointStore({
    path,
    group: "g",
    stateFormatVersion: JOB_STATE_FORMAT_VERSION,
    logger: SILENT_LOGGER,
  });
  await store.open();
  return store;
}

/** Runs the job over `values` with checkpoints in `store`; returns its lines and metrics. */
async function run(store: CheckpointStore, values: readonly string[]) {
  const lines: string[] = [];
  const metrics = new Metrics();
  const source = new MemorySource(values, { announce: true });
  const summary = await runJob({
    source,
    ruleStore: new MemoryRuleStore([RULE_1]),
    sink: null,
    timeBehaviour: "ProcessingTime",
    watermark: { outOfOrdernessMs: 5000, idleTimeoutMs: 0 },
    eventFormat: "auto",
    logger: SILENT_LOGGER,
    metrics,
    print: (printed) => void lines.push(...printed),
    signal: new AbortController().signal,
    now: () => 1_000,
    tickMs: 5,
    checkpoints: { store, owner: "test" },
  });
  return { lines, metrics, summary, source };
}

function rowsOf(path: string): unknown[][] {
  const db = new DatabaseSync(path);
  try {
    return db.prepare("SELECT rule_id, user_id, user_name FROM match_results").all()
      .map((r) => [r.rule_id, r.user_id, r.user_name]);
  } finally {
    db.close();
  }
}

Deno.test("runJob() resumes a key's partial match from the checkpoint after a restart", async () => {
  const path = await Deno.makeTempFile({ suffix: ".db" });
  const store = await openStore(path);
  try {
    const first = await run(store, KEN.slice(0, 3));
    assert.deepEqual(first.lines, []);
    assert.equal(first.source.committed, "2");
    const second = await run(store, KEN);
    // Only the fourth view is read again; the first three come from the checkpoint.
    assert.equal(second.summary.eventsIn, 1);
    assert.deepEqual(second.lines.map((l) => l.match(/Event\(1, Ken, 0, 1, \d+\)/g)?.length), [4]);
    assert.deepEqual(rowsOf(path), [[1, 1, "Ken"]]);
  } finally {
    await store.close();
  }
});

Deno.test("runJob() writes no row twice when events whose rows were written are read again", async () => {
  const path = await Deno.makeTempFile({ suffix: ".db" });
  const store = await openStore(path);
  try {
    await run(store, KEN.slice(0, 3));
    // The rows of the fourth view get written, then the process dies before its checkpoint.
    const crashing: CheckpointStore = {
      open: () => store.open(),
      claim: (partitions, owner) => store.claim(partitions, owner),
      write: () => Promise.reject(new Error("killed before the checkpoint")),
      writeMatches: (rows, progress) => store.writeMatches(rows, progress),
      close: () => Promise.resolve(),
    };
    await assert.rejects(run(crashing, KEN), { message: "killed before the checkpoint" });
    assert.deepEqual(rowsOf(path), [[1, 1, "Ken"]]);
    const replay = await run(store, KEN);
    assert.equal(replay.summary.eventsIn, 1);
    // The line is printed again (at least once); the row is not written again (exactly once).
    assert.equal(replay.lines.length, 1);
    assert.equal(replay.metrics.get("edgecep_matches_replayed_total"), 1);
    assert.deepEqual(rowsOf(path), [[1, 1, "Ken"]]);
  } finally {
    await store.close();
  }
});
