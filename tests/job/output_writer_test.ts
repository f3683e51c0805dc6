import assert from "node:assert/strict";
import { OutputWriter } from "../../job/output_writer.ts";
import type { MatchRow, SourcePosition } from "../../io/mod.ts";

const row = (userId: number): MatchRow => ({
  ruleId: "1",
  ruleVersion: 1,
  userId,
  userName: `u${userId}`,
  productionId: 1,
});
const at = (offset: string, partition = 0): SourcePosition => ({ topic: "t", partition, offset });

Deno.test("OutputWriter.submit() writes lines, then rows, then commits, in submission order", async () => {
  const log: string[] = [];
  const writer = new OutputWriter({
    print: (lines) => void log.push(`print ${lines.join("|")}`),
    sink: {
      write: (rows) => Promise.resolve(void log.push(`rows ${rows.map((r) => r.userId)}`)),
      close: () => Promise.resolve(),
    },
    commit: (positions) =>
      Promise.resolve(void log.push(`commit ${positions.map((p) => p.offset)}`)),
  });
  await writer.submit({ lines: ["m1"], rows: [row(1)], commit: [at("3")] });
  await writer.flush();
  await writer.submit({ lines: [], rows: [], commit: [at("4")] });
  await writer.flush();
  assert.deepEqual(log, ["print m1", "rows 1", "commit 3", "commit 4"]);
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
    sink: null,
    commit: (positions) =>
      Promise.resolve(
        void log.push(`commit ${positions.map((p) => `${p.partition}@${p.offset}`)}`),
      ),
  });
  await writer.submit({ lines: ["m1"], rows: [], commit: [] });
  await writer.submit({ lines: ["m2"], rows: [], commit: [at("5", 0)] });
  await writer.submit({ lines: ["m3"], rows: [], commit: [at("6", 0), at("2", 1)] });
  release.resolve();
  await writer.flush();
  assert.deepEqual(log, ["print m1", "print m2|m3", "commit 0@6,1@2"]);
});

Deno.test("OutputWriter.submit() waits while more than maxPendingMatches matches are unwritten", async () => {
  const release = Promise.withResolvers<void>();
  const writer = new OutputWriter({
    print: () => release.promise,
    sink: null,
    commit: () => Promise.resolve(),
    maxPendingMatches: 2,
  });
  await writer.submit({ lines: ["m1", "m2"], rows: [], commit: [] });
  let returned = false;
  const third = writer.submit({ lines: ["m3"], rows: [], commit: [] }).then(() => returned = true);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(returned, false);
  release.resolve();
  await third;
  assert.equal(returned, true);
  await writer.flush();
});

Deno.test("OutputWriter.flush() throws the sink's error and nothing after it is committed", async () => {
  const commits: string[] = [];
  const writer = new OutputWriter({
    print: () => {},
    sink: {
      write: () => Promise.reject(new RangeError("table is gone")),
      close: () => Promise.resolve(),
    },
    commit: (positions) => Promise.resolve(void commits.push(positions[0]!.offset)),
  });
  await writer.submit({ lines: ["m1"], rows: [row(1)], commit: [at("1")] });
  await assert.rejects(writer.flush(), { name: "RangeError", message: "table is gone" });
  await assert.rejects(writer.submit({ lines: [], rows: [], commit: [at("2")] }), {
    message: "table is gone",
  });
  assert.deepEqual(commits, []);
});

Deno.test("OutputWriter() throws RangeError when maxPendingMatches is not a positive integer", () => {
  assert.throws(
    () =>
      new OutputWriter({
        print: () => {},
        sink: null,
        commit: () => Promise.resolve(),
        maxPendingMatches: 0,
      }),
    { name: "RangeError", message: 'Invalid maxPendingMatches "0": expected an integer >= 1' },
  );
});
