// Checkpoints end to end (issue 20): the job is `deno run main.ts` against a real MariaDB and the
// librdkafka mock broker, with Rule 1 (three views of a key, then one more event that is no
// purchase). Each key's events go to the partition of its user, as a producer keyed by user does.
// Match tables have no primary key, so a row written twice would stay twice.
import assert from "node:assert/strict";
import { startKafka, startMockKafka, uniqueTopic } from "../_helpers/kafka_broker.ts";
import { startMariaDb } from "../_helpers/mariadb.ts";
import { eventually, JobProcess, runMain } from "../_helpers/job_process.ts";
import { createQuickStartTables, insertRule, resultRows } from "../_helpers/job_db.ts";
import { RULE_1_PATTERN } from "../_helpers/mariadb.ts";
import {
  brokerOffsets,
  checkpointedOffsets,
  checkpointJobArgs,
  type CheckpointJobSetup,
  checkRows,
  createRuleOneTables,
  logRecords,
  matchedUser,
  producePaced,
  shownView,
  uniqueGroup,
  type ViewKey,
  viewMessage,
  waitForCheckpointPast,
  waitForRestore,
  waitForRows,
} from "../_helpers/checkpoint_job.ts";
import { checkpointTableNames } from "../../io/mod.ts";
import { JOB_STATE_FORMAT_VERSION } from "../../job/mod.ts";
import type { KafkaTestMessage } from "../_helpers/kafka_broker.ts";

const T0 = 1_700_000_000_000;

/**
 * Rule 1's input for `count` keys (users 1..count), in `blocks` blocks of keys: for each block,
 * every key's first view, then every key's second, and so on, one chunk each; so partial
 * matches are open whenever the stream is cut.
 */
function viewChunks(count: number, blocks: number, partitions: number): KafkaTestMessage[][] {
  const chunks: KafkaTestMessage[][] = [];
  const perBlock = count / blocks;
  for (let b = 0; b < blocks; b++) {
    for (let view = 0; view < 4; view++) {
      const chunk: KafkaTestMessage[] = [];
      for (let user = b * perBlock + 1; user <= (b + 1) * perBlock; user++) {
        chunk.push(viewMessage(keyOf(user), T0 + view * 1000, partitions));
      }
      chunks.push(chunk);
    }
  }
  return chunks;
}

function keyOf(user: number): ViewKey {
  return { user, name: `u${user}`, product: 100 + user % 3 };
}

function jobSummary(job: JobProcess): { eventsIn: number } {
  const [summary] = logRecords(job.stderr, "job summary");
  assert.ok(summary !== undefined, job.describe());
  return { eventsIn: Number(summary.eventsIn) };
}

/** Waits until `job` printed `lines` match lines, from line `from` on. */
function waitForMatchLines(job: JobProcess, lines: number, from = 0): Promise<true> {
  return eventually(`${lines} match lines of job ${job.pid}`, () =>
    Promise.resolve(
      job.stdout.slice(from).filter((l) => matchedUser(l) !== undefined).length >= lines
        ? true
        : undefined,
    ));
}

function sum(values: Iterable<number | null>): number {
  let total = 0;
  for (const value of values) total += value ?? 0;
  return total;
}

Deno.test("runJobCommand() writes every match row exactly once when killed (kill -9) twice mid-stream, and a restart re-reads only what follows the last checkpoint", async () => {
  const keys = 5_000;
  const partitions = 2;
  const topic = uniqueTopic("ckpt-kill");
  const db = await startMariaDb();
  const broker = await startKafka({ topics: [{ name: topic, partitions }], brokerCount: 1 });
  try {
    const setup: CheckpointJobSetup = {
      broker,
      db,
      topic,
      group: uniqueGroup("g_kill"),
      rules: "rules_kill",
      results: "results_kill",
    };
    await createRuleOneTables(setup);
    const args = checkpointJobArgs(setup);
    const chunks = viewChunks(keys, 4, partitions);
    const half = chunks.length / 2;
    const printed = new Set<number>();
    const collect = (job: JobProcess) => {
      for (const line of job.stdout) {
        const user = matchedUser(line);
        if (user !== undefined) printed.add(user);
      }
    };
    const perBlock = keys / 4;
    /** Waits for the first match line of a key after `user`: the job is in the middle of a chunk. */
    const matchAfter = (job: JobProcess, user: number) =>
      job.waitForLine("stdout", (line) => (matchedUser(line) ?? 0) > user);
    {
      // Killed as it prints the matches of the second block, before their rows are written.
      await using first = JobProcess.start(args);
      await waitForRestore(first);
      const producing = producePaced(broker, topic, chunks.slice(0, half), 150);
      await matchAfter(first, perBlock);
      await first.stop("SIGKILL");
      await producing;
      collect(first);
    }
    {
      // Killed once the rows of the last block are coming, probably before the next checkpoint:
      // the restart replays events whose rows are written.
      await using second = JobProcess.start(args);
      await waitForRestore(second, 0, 60_000);
      const producing = producePaced(broker, topic, chunks.slice(half), 150);
      await waitForCheckpointPast(db, setup.group, keys * 2);
      await eventually("a row of the last block", async () => {
        const [row] = await db.rows(
          `SELECT COUNT(*) AS n FROM ${setup.results} WHERE user_id > ?`,
          [3 * perBlock],
        );
        return Number(row!.n) > 0 ? true : undefined;
      });
      await second.stop("SIGKILL");
      await producing;
      collect(second);
    }
    const resumeAt = await checkpointedOffsets(db, setup.group);
    await using third = JobProcess.start(args);
    const restore = await waitForRestore(third, 0, 60_000);
    assert.deepEqual(
      restore.partitions.toSorted(),
      [...resumeAt].map(([partition, next]) => `${topic}/${partition}@${next ?? "start"}`),
      third.describe(),
    );
    // Checkpointed to the end: every event was read and the rows of all of them are written.
    await waitForCheckpointPast(db, setup.group, keys * 4 - 1);
    assert.equal((await third.stop()).code, 0, third.describe());
    collect(third);

    assert.deepEqual(await checkRows(db, setup.results), { rows: keys, users: keys, twice: [] });
    // Printed lines are at least once: every key's line came out of one of the three runs.
    assert.equal(printed.size, keys);
    // The last run read exactly what follows the checkpoint: more than half of it is skipped.
    const skipped = sum(resumeAt.values());
    assert.ok(skipped > keys * 2, `checkpointed offsets ${[...resumeAt]}`);
    assert.equal(jobSummary(third).eventsIn, keys * 4 - skipped, third.describe());
  } finally {
    await broker.close();
    await db.close();
  }
});

Deno.test("runJobCommand() commits offsets past a partial match that never completes, and completes it after the broker dropped its first events", async () => {
  const topic = uniqueTopic("ckpt-open");
  const db = await startMariaDb();
  // The mock keeps about 5 MiB per partition (../shared/kafka/README.md), dropping whole
  // produce batches from the front: this test needs exactly that, so no external broker.
  const broker = await startMockKafka({ topics: [{ name: topic, partitions: 1 }], brokerCount: 1 });
  try {
    const setup: CheckpointJobSetup = {
      broker,
      db,
      topic,
      group: uniqueGroup("g_open"),
      rules: "rules_open",
      results: "results_open",
    };
    await createRuleOneTables(setup);
    const args = checkpointJobArgs(setup);
    const kay: ViewKey = { user: 1, name: "Kay", product: 1 };
    const kayTimes = [T0, T0 + 1_000, T0 + 2_000, T0 + 3_000];
    // About 1 KB an event: 12 batches of 500 are about 6 MiB, more than the mock keeps.
    const pad = "x".repeat(1_000);
    const batches = 12;
    const keysPerBatch = 125;
    const records = 2 + batches * keysPerBatch * 4;
    const { state } = checkpointTableNames(setup.group);
    const kayState = () =>
      db.rows(`SELECT CONVERT(state_key USING utf8mb4) AS k FROM ${state} WHERE state_key = ?`, [
        "1,1",
      ]);
    {
      await using job = JobProcess.start(args);
      await waitForRestore(job);
      await broker.produce(topic, kayTimes.slice(0, 2).map((t) => viewMessage(kay, t, 1)));
      await eventually(
        "Kay's partial match in the checkpoint",
        async () => (await kayState()).length === 1 ? true : undefined,
      );
      for (let b = 0; b < batches; b++) {
        const first = 1_000 + b * keysPerBatch;
        const messages: KafkaTestMessage[] = [];
        for (let view = 0; view < 4; view++) {
          for (let user = first; user < first + keysPerBatch; user++) {
            messages.push(viewMessage({ user, name: `f${pad}`, product: 2 }, T0 + view, 1));
          }
        }
        await broker.produce(topic, messages);
        // One partition: the batch's last key matching means the whole batch was handled.
        await job.waitForLine("stdout", (line) => matchedUser(line) === first + keysPerBatch - 1);
      }
      const committed = await eventually("the offsets of every record committed", async () => {
        const offsets = await brokerOffsets(broker.brokers, topic, setup.group);
        const checkpointed = (await checkpointedOffsets(db, setup.group)).get(0);
        return offsets.committed === records && checkpointed === records ? offsets : undefined;
      });
      // Kay's match is still open, and the broker no longer has its first two views.
      assert.deepEqual(await kayState(), [{ k: "1,1" }]);
      assert.ok(committed.low >= 2, `earliest offset ${committed.low}`);
      assert.equal(committed.high, records);
      assert.equal((await job.stop()).code, 0, job.describe());
    }
    await broker.produce(topic, kayTimes.slice(2).map((t) => viewMessage(kay, t, 1)));
    await using job = JobProcess.start(args);
    const restore = await waitForRestore(job);
    assert.deepEqual(
      { partitions: restore.partitions, keys: restore.keys, buffered: restore.buffered },
      { partitions: [`${topic}/0@${records}`], keys: 1, buffered: 0 },
    );
    const { line } = await job.waitForLine("stdout", (l) => matchedUser(l) === 1);
    const shown = kayTimes.map((t) => shownView(kay, t));
    assert.equal(
      line,
      "A match for Pattern of (id, version): (1, 1) is found. The event sequence: " +
        `start: [${shown.slice(0, 3).join(", ")}]end: [${shown[3]}]`,
    );
    const rows = batches * keysPerBatch + 1;
    await waitForRows(db, setup.results, rows);
    assert.equal((await job.stop()).code, 0, job.describe());
    assert.equal(jobSummary(job).eventsIn, 2, job.describe());
    assert.deepEqual(await checkRows(db, setup.results), { rows, users: rows, twice: [] });
    assert.deepEqual(
      (await db.rows(`SELECT * FROM ${setup.results} WHERE user_id = 1`)).map((r) => ({ ...r })),
      [{ rule_id: 1, rule_version: 1, user_id: 1, user_name: "Kay", production_id: 1 }],
    );
  } finally {
    await broker.close();
    await db.close();
  }
});

Deno.test("runJobCommand() in three instances of one group writes every match row exactly once when one is killed (kill -9) mid-stream", async () => {
  const keys = 3_000;
  const partitions = 6;
  const topic = uniqueTopic("ckpt-three");
  const db = await startMariaDb();
  const broker = await startKafka({ topics: [{ name: topic, partitions }], brokerCount: 1 });
  const jobs: JobProcess[] = [];
  try {
    const setup: CheckpointJobSetup = {
      broker,
      db,
      topic,
      group: uniqueGroup("g_three"),
      rules: "rules_three",
      results: "results_three",
    };
    await createRuleOneTables(setup);
    const args = checkpointJobArgs(setup);
    for (let i = 0; i < 3; i++) jobs.push(JobProcess.start(args));
    const owned = (job: JobProcess) =>
      logRecords(job.stderr, "Kafka consumer joined group").at(-1)?.partitions as
        | number[]
        | undefined;
    await eventually("two partitions for each instance", () => {
      const all = jobs.map(owned);
      const spread = all.every((p) => p?.length === 2) && new Set(all.flat()).size === 6;
      return Promise.resolve(spread ? true : undefined);
    }, 90_000);
    const [victim, ...survivors] = jobs as [JobProcess, JobProcess, JobProcess];
    const chunks = viewChunks(keys, 4, partitions);
    const half = chunks.length / 2;
    const producing = producePaced(broker, topic, chunks.slice(0, half), 150);
    await waitForMatchLines(victim, 100);
    const victimPartitions = owned(victim)!;
    const from = survivors.map((job) => job.stderr.length);
    await victim.stop("SIGKILL");
    await producing;
    await producePaced(broker, topic, chunks.slice(half), 150);
    await waitForRows(db, setup.results, keys, 90_000);
    // The survivors restored the victim's partitions from its checkpoints.
    const restored = survivors.flatMap((job, i) =>
      logRecords(job.stderr.slice(from[i]), "partitions restored from the checkpoint")
        .flatMap((r) => r.partitions as string[])
    );
    for (const partition of victimPartitions) {
      assert.ok(
        restored.some((p) => p.startsWith(`${topic}/${partition}@`)),
        `partition ${partition} not restored: ${restored}`,
      );
    }
    for (const job of survivors) assert.equal((await job.stop()).code, 0, job.describe());
    assert.deepEqual(await checkRows(db, setup.results), { rows: keys, users: keys, twice: [] });
  } finally {
    for (const job of jobs) await job[Symbol.asyncDispose]();
    await broker.close();
    await db.close();
  }
});

Deno.test("runJobCommand() refuses a checkpoint of an unknown state format version, naming both versions", async () => {
  const topic = uniqueTopic("ckpt-format");
  const db = await startMariaDb();
  const broker = await startKafka({ topics: [{ name: topic, partitions: 1 }], brokerCount: 1 });
  try {
    const setup: CheckpointJobSetup = {
      broker,
      db,
      topic,
      group: uniqueGroup("g_format"),
      rules: "rules_format",
      results: "results_format",
    };
    await createRuleOneTables(setup);
    const args = checkpointJobArgs(setup, 5_000);
    {
      await using job = JobProcess.start(args);
      await waitForRestore(job);
      assert.equal((await job.stop()).code, 0, job.describe());
    }
    const { format } = checkpointTableNames(setup.group);
    const future = JOB_STATE_FORMAT_VERSION + 1;
    await db.query(`UPDATE ${format} SET state_version = ? WHERE id = 1`, [future]);

    const result = await runMain(args, { timeoutMs: 30_000 });
    assert.equal(result.code, 1, result.stderr.join("\n"));
    const errors = result.stderr.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
      .filter((r) => r.level === "error").map((r) => r.msg);
    assert.deepEqual(errors, [
      `Cannot start: Cannot use the checkpoint of group "${setup.group}": its state has format ` +
      `version "${future}", this edgecep reads version "${JOB_STATE_FORMAT_VERSION}"; run the ` +
      "edgecep that wrote it, or drop the group's checkpoint tables to start afresh (see the " +
      "README's Checkpoints)",
    ]);
    // Refused, not rewritten.
    assert.deepEqual(
      (await db.rows(`SELECT state_version FROM ${format}`)).map((r) => Number(r.state_version)),
      [future],
    );
  } finally {
    await broker.close();
    await db.close();
  }
});

Deno.test("runJobCommand() with --checkpointIntervalMs 0 writes rows through the sink and creates no checkpoint tables", async () => {
  const topic = uniqueTopic("ckpt-off");
  const db = await startMariaDb();
  const broker = await startKafka({ topics: [{ name: topic, partitions: 1 }], brokerCount: 1 });
  try {
    const setup: CheckpointJobSetup = {
      broker,
      db,
      topic,
      group: uniqueGroup("g_off"),
      rules: "rules_off",
      results: "results_off",
    };
    await createQuickStartTables(db, { rules: setup.rules, results: setup.results });
    await insertRule(db, setup.rules, { id: "1", version: 1, pattern: RULE_1_PATTERN });
    await using job = JobProcess.start(
      checkpointJobArgs(setup, 0),
    );
    await job.waitForLine("stderr", '"msg":"Kafka consumer joined group"');
    const ken: ViewKey = { user: 1, name: "Ken", product: 1 };
    await broker.produce(topic, [0, 1, 2, 3].map((i) => viewMessage(ken, T0 + i * 1000, 1)));
    await job.waitForLine("stdout", (line) => matchedUser(line) === 1);
    await eventually(
      "Ken's row",
      async () => (await resultRows(db, setup.results)).length > 0 ? true : undefined,
    );
    assert.equal((await job.stop()).code, 0, job.describe());
    assert.deepEqual(await resultRows(db, setup.results), [[1, 1, 1, "Ken", 1]]);
    assert.deepEqual(await db.rows("SHOW TABLES LIKE 'edgecep%'"), []);
    assert.deepEqual(logRecords(job.stderr, "partitions restored from the checkpoint"), []);
  } finally {
    await broker.close();
    await db.close();
  }
});
