import assert from "node:assert/strict";
import { EventTimeBuffer } from "../../engine/_event_time_buffer.ts";

interface Item {
  readonly name: string;
  readonly timestamp: number;
  readonly sequence: number;
  readonly group: number;
}

/** A buffer fed `[name, group, timestamp]` in order, each with the next sequence. */
function fill(events: readonly (readonly [string, number, number])[]): EventTimeBuffer<Item> {
  const buffer = new EventTimeBuffer<Item>();
  events.forEach(([name, group, timestamp], sequence) =>
    buffer.push({ name, group, timestamp, sequence })
  );
  return buffer;
}

/** Pops every event up to `watermark`, as the operator does, and names them. */
function release(buffer: EventTimeBuffer<Item>, watermark = Infinity): string[] {
  const names = [];
  for (let next = buffer.peek(); next !== undefined && next.timestamp <= watermark;) {
    assert.equal(buffer.pop(), next);
    names.push(next.name);
    next = buffer.peek();
  }
  return names;
}

Deno.test("EventTimeBuffer.pop() releases one group's in-order events first in, first out", () => {
  const buffer = fill([["a1", 0, 1], ["a2", 0, 2], ["a3", 0, 2], ["a4", 0, 5]]);
  assert.equal(buffer.size, 4);
  assert.deepEqual(release(buffer, 2), ["a1", "a2", "a3"]);
  assert.equal(buffer.size, 1);
  assert.deepEqual(release(buffer), ["a4"]);
  assert.equal(buffer.size, 0);
  assert.equal(buffer.pop(), undefined);
});

Deno.test("EventTimeBuffer.pop() releases out-of-order events by timestamp, then sequence", () => {
  const buffer = fill([["a1", 0, 5], ["a2", 0, 3], ["a3", 0, 7], ["a4", 0, 3], ["a5", 0, 5]]);
  assert.deepEqual(release(buffer), ["a2", "a4", "a1", "a5", "a3"]);
});

Deno.test("EventTimeBuffer.pop() merges interleaved groups by timestamp, then sequence", () => {
  const buffer = fill([
    ["a1", 0, 2],
    ["b1", 1, 1],
    ["c1", 2, 2],
    ["a2", 0, 4],
    ["b2", 1, 2],
    ["c2", 2, 1],
    ["b3", 1, 4],
    ["a3", 0, 3],
  ]);
  assert.deepEqual(release(buffer, 2), ["b1", "c2", "a1", "c1", "b2"]);
  assert.deepEqual(release(buffer), ["a3", "a2", "b3"]);
});

Deno.test("EventTimeBuffer.push() queues a group again after it was emptied", () => {
  const buffer = fill([["a1", 0, 5], ["b1", 1, 6]]);
  assert.deepEqual(release(buffer, 5), ["a1"]);
  buffer.push({ name: "a2", group: 0, timestamp: 5.5, sequence: 2 });
  buffer.push({ name: "a3", group: 0, timestamp: 7, sequence: 3 });
  assert.deepEqual(release(buffer), ["a2", "b1", "a3"]);
});

Deno.test("EventTimeBuffer.ofGroup() lists a group's events in release order", () => {
  const buffer = fill([["a1", 0, 4], ["b1", 1, 1], ["a2", 0, 2], ["a3", 0, 4], ["a4", 0, 6]]);
  assert.deepEqual(buffer.ofGroup(0).map((i) => i.name), ["a2", "a1", "a3", "a4"]);
  assert.deepEqual(buffer.ofGroup(2), []);
  assert.equal(buffer.size, 5);
});

Deno.test("EventTimeBuffer.dropGroup() removes a group's queued and out-of-order events", () => {
  const buffer = fill([
    ["a1", 0, 4],
    ["b1", 1, 1],
    ["a2", 0, 2],
    ["c1", 2, 3],
    ["b2", 1, 0],
    ["b3", 1, 5],
  ]);
  assert.equal(buffer.dropGroup(0), 2);
  assert.equal(buffer.dropGroup(3), 0);
  assert.equal(buffer.size, 4);
  assert.deepEqual(release(buffer), ["b2", "b1", "c1", "b3"]);
});

Deno.test("EventTimeBuffer.pop() gives the order of a sort by timestamp and sequence when events are random", () => {
  // A fixed linear congruential generator, so that a failure can be replayed.
  let seed = 17;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  for (let round = 0; round < 200; round++) {
    const buffer = new EventTimeBuffer<Item>();
    const pending: Item[] = [];
    const expected: string[] = [];
    const actual: string[] = [];
    const groups = 1 + random(5);
    const clocks = Array.from({ length: groups }, () => 0);
    let watermark = -1;
    let sequence = 0;
    for (let step = 0; step < 300; step++) {
      const action = random(10);
      if (action < 8) {
        const group = random(groups);
        // Mostly in order within a group, sometimes late, often the same timestamp.
        clocks[group]! += random(3);
        const timestamp = random(6) === 0 ? clocks[group]! - random(20) : clocks[group]!;
        if (timestamp <= watermark) continue;
        const item = { name: `e${sequence}`, group, timestamp, sequence: sequence++ };
        buffer.push(item);
        pending.push(item);
      } else if (action === 8) {
        watermark += random(8);
        actual.push(...release(buffer, watermark));
        pending.sort((a, b) => a.timestamp - b.timestamp || a.sequence - b.sequence);
        while (pending.length > 0 && pending[0]!.timestamp <= watermark) {
          expected.push(pending.shift()!.name);
        }
      } else {
        const group = random(groups);
        const kept = pending.filter((i) => i.group !== group);
        assert.deepEqual(
          buffer.ofGroup(group).map((i) => i.name),
          pending.filter((i) => i.group === group)
            .sort((a, b) => a.timestamp - b.timestamp || a.sequence - b.sequence)
            .map((i) => i.name),
        );
        if (random(2) === 0) {
          assert.equal(buffer.dropGroup(group), pending.length - kept.length);
          pending.length = 0;
          pending.push(...kept);
        }
      }
      assert.equal(buffer.size, pending.length);
    }
    actual.push(...release(buffer));
    pending.sort((a, b) => a.timestamp - b.timestamp || a.sequence - b.sequence);
    expected.push(...pending.map((i) => i.name));
    assert.deepEqual(actual, expected);
  }
});

Deno.test("EventTimeBuffer.pop() keeps the order when a long queue drops its released events", () => {
  const buffer = new EventTimeBuffer<Item>();
  const expected: string[] = [];
  let sequence = 0;
  const push = (group: number, timestamp: number) =>
    buffer.push({ name: `e${sequence}`, group, timestamp, sequence: sequence++ });
  for (let t = 0; t < 3000; t++) push(0, t);
  for (let t = 0; t < 3000; t += 3) push(1, t);
  const released = release(buffer, 2499);
  for (let t = 3000; t < 4000; t++) push(0, t);
  released.push(...release(buffer));
  for (let t = 0; t < 4000; t++) {
    expected.push(`e${t < 3000 ? t : t + 1000}`);
    if (t < 3000 && t % 3 === 0) expected.push(`e${3000 + t / 3}`);
  }
  assert.deepEqual(released, expected);
  assert.equal(buffer.size, 0);
});
