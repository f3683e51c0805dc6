import assert from "node:assert/strict";
import { WatermarkTracker } from "../../engine/mod.ts";

Deno.test("WatermarkTracker.update() is max timestamp minus out-of-orderness minus 1", () => {
  const w = new WatermarkTracker({ outOfOrdernessMs: 5000, idleTimeoutMs: 0 });
  assert.equal(w.update(0), -Infinity);
  w.observe("p0", 10_000, 0);
  w.observe("p0", 8_000, 0);
  assert.equal(w.update(0), 4_999);
});

Deno.test("WatermarkTracker.update() takes the minimum over active partitions", () => {
  const w = new WatermarkTracker({ outOfOrdernessMs: 0, idleTimeoutMs: 1000 });
  w.observe("p0", 100, 0);
  w.observe("p1", 50, 0);
  assert.equal(w.update(10), 49);
});

Deno.test("WatermarkTracker.update() stops waiting for a partition idle past the timeout", () => {
  const w = new WatermarkTracker({ outOfOrdernessMs: 0, idleTimeoutMs: 1000 });
  w.observe("p0", 50, 0);
  w.observe("p1", 100, 900);
  assert.equal(w.update(999), 49);
  assert.equal(w.update(1000), 99);
});

Deno.test("WatermarkTracker.update() never goes back when every partition is idle", () => {
  const w = new WatermarkTracker({ outOfOrdernessMs: 0, idleTimeoutMs: 10 });
  w.observe("p0", 100, 0);
  assert.equal(w.update(5), 99);
  assert.equal(w.update(50), 99);
});

Deno.test("WatermarkTracker() rejects negative options", () => {
  assert.throws(() => new WatermarkTracker({ outOfOrdernessMs: -1, idleTimeoutMs: 0 }), RangeError);
});

Deno.test("WatermarkTracker.register() holds the watermark back until the partition delivers or goes idle", () => {
  const tracker = new WatermarkTracker({ outOfOrdernessMs: 0, idleTimeoutMs: 1_000 });
  tracker.register("p0", 0);
  tracker.register("p1", 0);
  tracker.observe("p0", 500, 10);
  assert.equal(tracker.update(10), -Infinity);
  tracker.observe("p1", 300, 20);
  assert.equal(tracker.update(20), 299);
  tracker.register("p2", 30);
  tracker.observe("p0", 900, 40);
  tracker.observe("p1", 800, 40);
  assert.equal(tracker.update(40), 299);
  assert.equal(tracker.update(1_030), 799);
});

Deno.test("WatermarkTracker.forget() stops a partition from holding the watermark back", () => {
  const tracker = new WatermarkTracker({ outOfOrdernessMs: 0, idleTimeoutMs: 0 });
  tracker.register("p0", 0);
  tracker.observe("p1", 500, 0);
  assert.equal(tracker.update(0), -Infinity);
  tracker.forget("p0");
  assert.equal(tracker.update(0), 499);
});
