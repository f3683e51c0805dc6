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
