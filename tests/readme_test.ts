// The README's run command, run as written (only the hosts, names and user swapped for the test's
// own servers): the job starts and matches, and neither what the command prints nor the command
// line of any process it starts holds the database password.
import assert from "node:assert/strict";
import { startKafka, uniqueTopic } from "./_helpers/kafka_broker.ts";
import { RULE_1_PATTERN, startMariaDb } from "./_helpers/mariadb.ts";
import { createQuickStartTables, insertRule } from "./_helpers/job_db.ts";
import { eventually, REPO_ROOT } from "./_helpers/job_process.ts";

/** The shell block after the `<!-- run-command -->` marker. */
async function readmeRunCommand(): Promise<string> {
  const readme = await Deno.readTextFile(`${REPO_ROOT}/README.md`);
  const block = readme.split(/<!-- run-command -->\s*```sh\n/)[1]?.split("\n```")[0];
  if (block === undefined) throw new Error("README.md has no run command block");
  return block;
}

/** The command lines of the processes in a process group, from /proc. */
async function commandLines(group: number): Promise<string[]> {
  const lines: string[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      // Fields after the parenthesised name: state, ppid, pgrp.
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp !== group) continue;
      const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
      lines.push(cmdline.replaceAll("\0", " "));
    } catch { /* the process ended meanwhile */ }
  }
  return lines;
}

Deno.test("README's run command starts the job and prints no password, nor shows one in ps", async () => {
  const db = await startMariaDb();
  const topic = uniqueTopic("readme");
  const broker = await startKafka({ topics: [{ name: topic, partitions: 1 }] });
  const { host, port, user, password, database } = db.config;
  const command = await readmeRunCommand();
  assert.ok(!command.includes("password="), command);
  const script = command
    .replace("broker:9092", broker.brokers.join(","))
    .replace("db:3306/cep_demo_db", `${host}:${port}/${database}`)
    .replace("user=cep'", `user=${user}'`)
    .replace("demo_topic", topic)
    .replace("demo_group", uniqueTopic("g"));
  // Its own session, so that the whole tree (npx, deno task, deno run) is stopped together.
  const child = new Deno.Command("setsid", {
    args: ["bash", "-c", script],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1", KAFKAJS_NO_PARTITIONER_WARNING: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output: string[] = [];
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) output.push(text);
  };
  const reading = Promise.all([collect(child.stdout), collect(child.stderr)]);
  try {
    await createQuickStartTables(db, { rules: "rds_demo", results: "match_results" });
    await insertRule(db, "rds_demo", { id: "1", version: 1, pattern: RULE_1_PATTERN });
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${password}\n`));
    await writer.close();
    await eventually(
      "the job to join its group",
      () =>
        Promise.resolve(output.join("").includes("Kafka consumer joined group") ? true : undefined),
      60_000,
    );
    const ken = ["777", "778", "779", "780"].map((s) => ({ value: `1,Ken,0,1,1662022${s}000` }));
    await broker.produce(topic, ken);
    await eventually(
      "Ken's match",
      () =>
        Promise.resolve(
          output.join("").includes("A match for Pattern of (id, version): (1, 1)")
            ? true
            : undefined,
        ),
    );
    const processes = await commandLines(child.pid);
    assert.ok(
      processes.some((line) => line.includes("main.ts --kafkaBrokers")),
      processes.join("\n"),
    );
    assert.deepEqual(processes.filter((line) => line.includes(password)), []);
  } finally {
    Deno.kill(-child.pid, "SIGTERM");
    await child.status;
    await reading;
    await broker.close();
    await db.close();
  }
  const printed = output.join("");
  // deno task echoes the command it runs: the URL is there, its password is not.
  assert.match(printed, /'--jdbcUrl' 'jdbc:mysql:\/\/[^ ]+\?user=root'/);
  assert.ok(!printed.includes(password), "the password was printed");
  assert.ok(!printed.includes(encodeURIComponent(password)), "the password was printed");
});
