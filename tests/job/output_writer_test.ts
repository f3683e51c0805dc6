import assert from "node:assert/strict";
import { OutputWriter } from "../../job/output_writer.ts";
import type { MatchRow, SinkProgress } from "../../io/mod.ts";

const row = (userId: number): MatchRow => ({
  ruleId: "1",
  ruleVersion: 1,
  userId,
  userName: `u${userId}`,
  productionId: 1,
});
const at = (offset: string, partition = 0): SinkProgress => ({
  topic: "t",
  partition,
  eventTime: 0,
  offset,
});
const nothing = { lines: [], rows: [], progress: [], then: null };

Deno.test("OutputWriter.submit() writes lines, then rows, then what follows, in submission order", async () => {
  const log: string[] = [];
  const writer = new OutputWriter({
    print: (lines) => void log.push(`print ${lines.join("|")}`),
    writeRows: (rows, progress) =>
      Promise.resolve(
        void log.push(`rows ${rows.map((r) => r.userId)} to ${progress.map((p) => p.offset)}`),
      ),
  });
  const then = (what: string) => () => Promise.resolve(void log.push(what));
  await writer.submit({ lines: ["m1"], rows: [row(1)], progress: [at("3")], then: then("c3") });
  await writer.flush();
  await writer.submit({ ...nothing, then: then("c4") });
  await writer.flush();
  assert.deepEqual(log, ["print m1", "rows 1 to 3", "c3", "c4"]);
});

Deno.test("OutputWriter.submit() coalesces chunks that arrive during a write into one write", async () => {
  const log: string[] = [];
  const release = Promise.withResolvers<void>();
  let first = true;
  const writer = new OutputWriter({
    print: async (lines) => {
      log.push(`print ${lines.join("|")}`);
      if (first) {
        first = false;
        await release.promise;
      }
    },
    writeRows: (rows, progress) =>
      Promise.resolve(
        void log.push(
          `rows ${rows.map((r) => r.userId)} to ${
            progress.map((p) => `${p.partition}@${p.offset}`)
          }`,
        ),
      ),
  });
  await writer.submit({ lines: ["m1"], rows: [], progress: [], then: null });
  await writer.submit({ lines: ["m2"], rows: [row(2)], progress: [at("5", 0)], then: null });
  await writer.submit({
    lines: ["m3"],
    rows: [row(3)],
    progress: [at("6", 0), at("2", 1)],
    then: () => Promise.resolve(void log.push("after m3")),
  });
  release.resolve();
  await writer.flush();
  assert.deepEqual(log, ["print m1", "print m2|m3", "rows 2,3 to 0@6,1@2", "after m3"]);
});

Deno.test("OutputWriter.submit() waits while more than maxPendingMatches matches are unwritten", async () => {
  const release = Promise.withResolvers<void>();
  const writer = new OutputWriter({
    print: () => release.promise,
    writeRows: null,
    maxPendingMatches: 2,
  });
  await writer.submit({ ...nothing, lines: ["m1", "m2"] });
  let returned = false;
  const third = writer.submit({ ...nothing, lines: ["m3"] }).then(() => returned = true);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(returned, false);
  release.resolve();
  await third;
  assert.equal(returned, true);
  await writer.flush();
});

Deno.test("OutputWriter.flush() throws the rows' write error and nothing after it runs", async () => {
  const after: string[] = [];
  const writer = new OutputWriter({
    print: () => {},
    writeRows: () => Promise.reject(new RangeError("table is gone")),
  });
  await writer.submit({
    lines: ["m1"],
    rows: [row(1)],
    progress: [at("1")],
    then: () => Promise.resolve(void after.push("c1")),
  });
  await assert.rejects(writer.flush(), { name: "RangeError", message: "table is gone" });
  await assert.rejects(writer.submit({ ...nothing, then: () => Promise.resolve() }), {
    message: "table is gone",
  });
  assert.deepEqual(after, []);
});

Deno.test("OutputWriter() throws RangeError when maxPendingMatches is not a positive integer", () => {
  assert.throws(
    () => new OutputWriter({ print: () => {}, writeRows: null, maxPendingMatches: 0 }),
    { name: "RangeError", message: 'Invalid maxPendingMatches "0": expected an integer >= 1' },
  );
});
