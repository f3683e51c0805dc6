import assert, {
  deepStrictEqual as assertEquals,
  rejects as assertRejects,
} from "node:assert/strict";
import { FileSource } from "../../io/file_source.ts";
import { collectRecords, eachRecord, type TestRecord } from "../_helpers/source_records.ts";

const SAMPLES = new URL("../../samples/", import.meta.url);
const FILE_SOURCE_URL = new URL("../../io/file_source.ts", import.meta.url).href;

async function tempFile(text: string): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(path, text);
  return path;
}

const collect = collectRecords;

async function nextRecord(iterator: AsyncIterator<TestRecord>): Promise<TestRecord> {
  const result = await iterator.next();
  assert(!result.done, "the iteration ended");
  return result.value;
}

Deno.test("FileSource() yields one record per line, numbered from 0 including comments", async () => {
  const path = await tempFile(
    "# Ken's views\n1,Ken,0,1,1662022777000\n\n2,Tom,0,1,1739584800000 #10:00\r\n" +
      "  3,Ali,0,1,1739586600000  ",
  );
  const source = new FileSource(path);
  assertEquals(await collect(source), [
    {
      topic: `file:${path}`,
      partition: 0,
      offset: "1",
      value: "1,Ken,0,1,1662022777000",
    },
    {
      topic: `file:${path}`,
      partition: 0,
      offset: "3",
      value: "2,Tom,0,1,1739584800000",
    },
    {
      topic: `file:${path}`,
      partition: 0,
      offset: "4",
      value: "3,Ali,0,1,1739586600000",
    },
  ]);
  await source.close();
});

Deno.test("FileSource() strips the quick start's #time comments from samples/events_tom_ali.csv", async () => {
  const source = new FileSource(new URL("events_tom_ali.csv", SAMPLES).pathname);
  const records = await collect(source);
  assertEquals(records.map((r) => r.value), [
    "2,Tom,0,1,1739584800000",
    "2,Tom,0,1,1739585400000",
    "2,Tom,0,1,1739585700000",
    "2,Tom,0,1,1739586000000",
    "3,Ali,0,1,1739586600000",
    "3,Ali,0,1,1739588400000",
    "3,Ali,0,1,1739589000000",
    "3,Ali,0,1,1739590200000",
  ]);
  assertEquals(records.map((r) => r.offset), ["0", "1", "2", "3", "4", "5", "6", "7"]);
});

Deno.test('FileSource() keeps " #" inside a JSON string value', async () => {
  const line = '{"id":1,"name":"Ken #2","action":0,"productionId":1,"eventTime":1}';
  const source = new FileSource(await tempFile(`${line}\n`));
  assertEquals((await collect(source)).map((r) => r.value), [line]);
});

Deno.test("FileSource() keeps # characters when comments is false", async () => {
  const source = new FileSource(await tempFile("#1,Ken,0,1,1\n2,Tom #2,0,1,2\n"), {
    comments: false,
  });
  assertEquals((await collect(source)).map((r) => r.value), ["#1,Ken,0,1,1", "2,Tom #2,0,1,2"]);
});

Deno.test("FileSource() throws NotFound when the file does not exist", async () => {
  const source = new FileSource(`${await Deno.makeTempDir()}/missing.csv`);
  await assertRejects(collect(source), Deno.errors.NotFound);
});

Deno.test("FileSource() throws RangeError when delayMs is negative", () => {
  assert.throws(() => new FileSource("-", { delayMs: -1 }), {
    name: "RangeError",
    message: 'Invalid file source delay "-1": expected a whole number of ms >= 0',
  });
});

Deno.test("FileSource.commit() makes the next iteration resume after the committed line", async () => {
  const source = new FileSource(await tempFile("a\nb\n# c\nd\n"));
  const first = await collect(source);
  await source.commit([first[1] as TestRecord]);
  assertEquals((await collect(source)).map((r) => [r.offset, r.value]), [["3", "d"]]);
  // Commits never move backwards.
  await source.commit([first[0] as TestRecord]);
  assertEquals((await collect(source)).map((r) => r.offset), ["3"]);
});

Deno.test("FileSource.commit() persists to offsetFile so that a new source resumes after it", async () => {
  const path = await tempFile("a\nb\nc\n");
  const offsetFile = `${await Deno.makeTempDir()}/offset.json`;
  const first = new FileSource(path, { offsetFile });
  const records = await collect(first);
  await first.commit([records[0] as TestRecord]);
  await first.close();
  assertEquals(JSON.parse(await Deno.readTextFile(offsetFile)), {
    topic: `file:${path}`,
    offset: "0",
  });
  const second = new FileSource(path, { offsetFile });
  assertEquals((await collect(second)).map((r) => r.value), ["b", "c"]);
});

Deno.test("FileSource() throws SyntaxError when offsetFile holds another input's position", async () => {
  const offsetFile = `${await Deno.makeTempDir()}/offset.json`;
  await Deno.writeTextFile(offsetFile, JSON.stringify({ topic: "file:other.csv", offset: "3" }));
  const path = await tempFile("a\n");
  await assertRejects(collect(new FileSource(path, { offsetFile })), {
    name: "SyntaxError",
    message: `Cannot resume file source "file:${path}": offset file "${offsetFile}" does not ` +
      "hold a line number of this input, delete it to start over",
  });
});

Deno.test("FileSource.commit() rejects a position when it is another source's", async () => {
  const path = await tempFile("a\n");
  const source = new FileSource(path);
  await assertRejects(source.commit([{ topic: "demo_topic", partition: 0, offset: "0" }]), {
    name: "RangeError",
    message: `Cannot commit to file source "file:${path}": position "demo_topic/0/0" is not one ` +
      "of its lines",
  });
});

Deno.test("FileSource() yields appended lines until close() when follow is set", async () => {
  const path = await tempFile("a\n");
  const source = new FileSource(path, { follow: true, pollIntervalMs: 10 });
  const iterator = eachRecord(source[Symbol.asyncIterator]());
  assertEquals((await nextRecord(iterator)).value, "a");
  const pending = nextRecord(iterator);
  // A line is only complete once its line ending arrives.
  await Deno.writeTextFile(path, "b", { append: true });
  await Deno.writeTextFile(path, "c\n", { append: true });
  assertEquals(await pending, {
    topic: `file:${path}`,
    partition: 0,
    offset: "1",
    value: "bc",
  });
  const ended = iterator.next();
  await source.close();
  assertEquals(await ended, { done: true, value: undefined });
});

Deno.test("FileSource.close() ends the iteration during a delayMs pause", async () => {
  const source = new FileSource(await tempFile("a\nb\n"), { delayMs: 600_000 });
  const iterator = eachRecord(source[Symbol.asyncIterator]());
  assertEquals((await nextRecord(iterator)).value, "a");
  const ended = iterator.next();
  await source.close();
  assertEquals(await ended, { done: true, value: undefined });
});

Deno.test('FileSource() reads stdin when the path is "-"', async () => {
  const code = `
    import { FileSource } from ${JSON.stringify(FILE_SOURCE_URL)};
    for await (const r of new FileSource("-")) console.log(JSON.stringify(r));
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", code],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("1,Ken,0,1,1662022777000 #first\n\n# done\n"));
  await writer.close();
  const output = await child.output();
  assertEquals(output.code, 0);
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
  assertEquals(lines.map((line) => JSON.parse(line)), [
    {
      type: "batch",
      topic: "stdin",
      partition: 0,
      values: ["1,Ken,0,1,1662022777000"],
      offsets: ["0"],
    },
  ]);
});

Deno.test("FileSource() announces its one partition and starts at the line start() gives when announceAssignments is set", async () => {
  const path = await tempFile("a\nb\nc\n");
  const source = new FileSource(path, { announceAssignments: true });
  const iterator = source[Symbol.asyncIterator]();
  assertEquals((await iterator.next()).value, {
    type: "assignment",
    assigned: [{ topic: `file:${path}`, partition: 0 }],
    revoked: [],
  });
  source.start([{ topic: `file:${path}`, partition: 0, offset: "1" }]);
  assertEquals((await collect({ [Symbol.asyncIterator]: () => iterator })).map((r) => r.value), [
    "b",
    "c",
  ]);
});
