import assert from "node:assert/strict";
import { merge, ticks } from "../../job/merge.ts";

async function* values<T>(items: readonly T[], gate?: Promise<void>): AsyncGenerator<T> {
  for (const item of items) {
    await gate;
    yield item;
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

Deno.test("merge() yields every item of every input and ends when all have ended", async () => {
  const got = await collect(merge([values(["a1", "a2", "a3"]), values(["b1", "b2"])]));
  assert.deepEqual(got.filter((x) => x.startsWith("a")), ["a1", "a2", "a3"]);
  assert.deepEqual(got.filter((x) => x.startsWith("b")), ["b1", "b2"]);
});

Deno.test("merge() yields items in arrival order when an input waits", async () => {
  const gate = Promise.withResolvers<void>();
  const merged = merge([values(["late"], gate.promise), values(["early1", "early2"])]);
  const got: string[] = [];
  for await (const item of merged) {
    got.push(item);
    if (item === "early2") gate.resolve();
  }
  assert.deepEqual(got, ["early1", "early2", "late"]);
});

Deno.test("merge() throws what an input throws", async () => {
  async function* failing(): AsyncGenerator<string> {
    yield "a1";
    throw new RangeError("broken input");
  }
  await assert.rejects(collect(merge([failing(), values(["b1"])])), {
    name: "RangeError",
    message: "broken input",
  });
});

Deno.test("merge() ends at once when the signal aborts while every input waits", async () => {
  const stop = new AbortController();
  const never: AsyncIterable<string> = {
    [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => {}) }),
  };
  const pending = collect(merge([never, never], { signal: stop.signal }));
  stop.abort();
  assert.deepEqual(await pending, []);
});

Deno.test("merge() closes the other inputs when the consumer breaks", async () => {
  let closed = false;
  async function* endless(): AsyncGenerator<number> {
    try {
      for (let i = 0;; i++) yield i;
    } finally {
      closed = true;
    }
  }
  for await (const item of merge([endless()])) if (item === 3) break;
  assert.equal(closed, true);
});

Deno.test("ticks() ticks until the signal aborts and leaves no listener behind", async () => {
  const stop = new AbortController();
  let n = 0;
  for await (const _ of ticks(1, stop.signal)) if (++n === 3) stop.abort();
  assert.equal(n, 3);
});
