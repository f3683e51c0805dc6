import assert from "node:assert/strict";
import { type Event, KeyedOperator, type RuleMatch } from "../../engine/mod.ts";
import { compileRule } from "../../rules/mod.ts";
import { atomic, sequence } from "../_helpers/rule_json.ts";

const AB = compileRule({
  id: "ab",
  pattern: sequence([atomic("a", "name == 'a'"), atomic("b", "name == 'b'")], ["SKIP_TILL_NEXT"]),
});
const AB_WITHIN_10 = compileRule({
  id: "ab10",
  pattern: sequence([atomic("a", "name == 'a'"), atomic("b", "name == 'b'")], ["SKIP_TILL_NEXT"], {
    window: { type: "FIRST_AND_LAST", ms: 10 },
  }),
});

const names = (m: RuleMatch) =>
  [...m.match.entries()].map(([k, es]) => `${k}=${es.map((e) => e.name).join("")}`).join(" ");
const ev = (name: string): Event => ({ name });

Deno.test("KeyedOperator.processElement() matches each key independently", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  op.setRule({ id: "1", version: 1 }, AB);
  assert.deepEqual(op.processElement("k1", ev("a"), 1).matches, []);
  assert.deepEqual(op.processElement("k2", ev("b"), 2).matches, []);
  const out = op.processElement("k1", ev("b"), 3);
  assert.deepEqual(out.matches.map((m) => [m.key, names(m)]), [["k1", "a=a b=b"]]);
});

Deno.test("KeyedOperator.advanceWatermark() releases buffered events in timestamp order", () => {
  const op = new KeyedOperator({ timeBehaviour: "EventTime" });
  op.setRule({ id: "1", version: 1 }, AB);
  op.processElement("k", ev("b"), 20);
  op.processElement("k", ev("a"), 10);
  assert.equal(op.bufferedEvents, 2);
  const out = op.advanceWatermark(25);
  assert.deepEqual(out.matches.map(names), ["a=a b=b"]);
  assert.equal(op.bufferedEvents, 0);
});

Deno.test("KeyedOperator.processElement() drops and counts late events in event time", () => {
  const op = new KeyedOperator({ timeBehaviour: "EventTime" });
  op.setRule({ id: "1", version: 1 }, AB);
  op.advanceWatermark(100);
  assert.equal(op.processElement("k", ev("a"), 100).late, 1);
  assert.equal(op.processElement("k", ev("a"), 101).late, 0);
});

Deno.test("KeyedOperator.advanceProcessingTime() times out windows without further events", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  op.setRule({ id: "1", version: 1 }, AB_WITHIN_10);
  op.processElement("k", ev("a"), 100);
  assert.deepEqual(op.advanceProcessingTime(109).timedOut, []);
  const out = op.advanceProcessingTime(110);
  assert.deepEqual(out.timedOut.map((t) => [names(t), t.timestamp]), [["a=a", 110]]);
  assert.equal(op.partialMatchCounts().get("1"), 0);
});

Deno.test("KeyedOperator.setRule() replaces a rule with fresh state", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  op.setRule({ id: "1", version: 1 }, AB);
  op.processElement("k", ev("a"), 1);
  op.setRule({ id: "1", version: 2 }, AB);
  assert.deepEqual(op.processElement("k", ev("b"), 2).matches, []);
  const out = [op.processElement("k", ev("a"), 3), op.processElement("k", ev("b"), 4)];
  assert.deepEqual(out[1]!.matches.map((m) => m.rule), [{ id: "1", version: 2 }]);
});

Deno.test("KeyedOperator.removeRule() stops matching and frees the rule's state", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  op.setRule({ id: "1", version: 1 }, AB);
  op.processElement("k", ev("a"), 1);
  assert.equal(op.partialMatchCounts().get("1"), 1);
  op.removeRule("1");
  assert.deepEqual(op.rules, []);
  assert.deepEqual(op.processElement("k", ev("b"), 2).matches, []);
  assert.equal(op.keyCount, 0);
});

Deno.test("KeyedOperator keeps state only for keys whose partial matches hold an event", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  op.setRule({ id: "1", version: 1 }, AB);
  op.processElement("k", ev("x"), 1); // starts nothing
  assert.equal(op.keyCount, 0);
  op.processElement("k", ev("a"), 2); // opens a partial match
  op.processElement("k", ev("x"), 3);
  assert.equal(op.keyCount, 1);
  op.processElement("k", ev("b"), 4); // followedBy takes the first b: the run of "a" ends
  assert.equal(op.keyCount, 0);
});

Deno.test("KeyedOperator frees a key once no partial match holds an event", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  op.setRule({ id: "1", version: 1 }, AB_WITHIN_10);
  op.processElement("k", ev("a"), 1);
  op.processElement("k", ev("b"), 2);
  op.advanceProcessingTime(100);
  assert.equal(op.partialMatchCounts().get("1"), 0);
  assert.equal(op.keyCount, 0);
});

Deno.test("KeyedOperator.processElement() gives each match the group, position and time of the event that completed it", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  op.setRule({ id: "1", version: 1 }, AB);
  op.processElement("k", ev("a"), 1, { group: 3, position: 40 });
  const [match] = op.processElement("k", ev("b"), 2, { group: 3, position: 41 }).matches;
  assert.deepEqual([match!.group, match!.position, match!.timestamp], [3, 41, 2]);
});

Deno.test("KeyedOperator.snapshotKey() and restoreKey() carry a key's partial matches to a new operator", () => {
  const before = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  before.setRule({ id: "1", version: 1 }, AB);
  before.processElement("k1", ev("a"), 1, { group: 2, position: 7 });
  const snapshot = JSON.parse(JSON.stringify(before.snapshotKey("k1")));
  assert.equal(before.snapshotKey("k2"), null);
  const after = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  after.setRule({ id: "1", version: 1 }, AB);
  assert.equal(after.restoreKey("k1", 2, snapshot), 1);
  const out = after.processElement("k1", ev("b"), 5, { group: 2, position: 8 });
  assert.deepEqual(out.matches.map((m) => [m.key, names(m), m.group]), [["k1", "a=a b=b", 2]]);
});

Deno.test("KeyedOperator.restoreKey() drops the state of a rule that now runs another version", () => {
  const before = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  before.setRule({ id: "1", version: 1 }, AB);
  before.processElement("k", ev("a"), 1);
  const snapshot = before.snapshotKey("k")!;
  const after = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  after.setRule({ id: "1", version: 2 }, AB);
  assert.equal(after.restoreKey("k", 0, snapshot), 0);
  assert.deepEqual(after.processElement("k", ev("b"), 2).matches, []);
});

Deno.test("KeyedOperator.restoreKey() throws RangeError when the snapshot has another format version", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  op.setRule({ id: "1", version: 1 }, AB);
  assert.throws(() => op.restoreKey("k", 0, { version: 9, lastSeen: null, rules: [] }), {
    name: "RangeError",
    message:
      'Cannot restore the state of key "k": format version "9" is not supported (this edgecep reads 1)',
  });
});

Deno.test("KeyedOperator.takeChangedKeys() lists keys that changed or lost their state since the last call", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime", trackChanges: true });
  op.setRule({ id: "1", version: 1 }, AB);
  op.processElement("k1", ev("a"), 1, { group: 0, position: 0 });
  op.processElement("k2", ev("a"), 2, { group: 1, position: 0 });
  op.processElement("k3", ev("x"), 3, { group: 1, position: 1 }); // no state: not a change
  const sorted = (keys: { key: string; group: number }[]) =>
    keys.map((k) => `${k.key}@${k.group}`).sort();
  assert.deepEqual(sorted(op.takeChangedKeys()), ["k1@0", "k2@1"]);
  op.processElement("k1", ev("b"), 4, { group: 0, position: 1 }); // k1 matches: state gone
  assert.deepEqual(sorted(op.takeChangedKeys()), ["k1@0"]);
  assert.equal(op.snapshotKey("k1"), null);
  assert.deepEqual(op.takeChangedKeys(), []);
});

Deno.test("KeyedOperator.snapshotBuffered() and restoreBuffered() carry a group's waiting events", () => {
  const before = new KeyedOperator({ timeBehaviour: "EventTime" });
  before.setRule({ id: "1", version: 1 }, AB);
  before.processElement("k", ev("b"), 20, { group: 1, position: 5 });
  before.processElement("k", ev("a"), 10, { group: 1, position: 6 });
  before.processElement("j", ev("a"), 15, { group: 2, position: 0 });
  const data = JSON.parse(JSON.stringify(before.snapshotBuffered(1)));
  assert.deepEqual(data, [["k", 10, 6, { name: "a" }], ["k", 20, 5, { name: "b" }]]);
  const after = new KeyedOperator({ timeBehaviour: "EventTime" });
  after.setRule({ id: "1", version: 1 }, AB);
  assert.equal(after.restoreBuffered(1, data), 2);
  const out = after.advanceWatermark(25);
  assert.deepEqual(out.matches.map((m) => [names(m), m.position]), [["a=a b=b", 5]]);
});

Deno.test("KeyedOperator.dropGroup() forgets a group's keys and buffered events, and reports no change", () => {
  const op = new KeyedOperator({ timeBehaviour: "EventTime", trackChanges: true });
  op.setRule({ id: "1", version: 1 }, AB);
  op.processElement("k", ev("a"), 10, { group: 1, position: 0 });
  op.processElement("j", ev("a"), 11, { group: 2, position: 0 });
  op.advanceWatermark(12);
  op.takeChangedKeys();
  op.processElement("k", ev("b"), 20, { group: 1, position: 1 });
  op.dropGroup(1);
  assert.equal(op.bufferedEvents, 0);
  assert.equal(op.snapshotKey("k"), null);
  assert.notEqual(op.snapshotKey("j"), null);
  assert.deepEqual(op.takeChangedKeys(), []);
});

Deno.test("KeyedOperator.dropIdleKeys() drops the partial matches of keys without an event since a time", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  op.setRule({ id: "1", version: 1 }, AB);
  op.processElement("old", ev("a"), 100);
  op.processElement("new", ev("a"), 200);
  assert.equal(op.dropIdleKeys(150), 1);
  assert.deepEqual(op.processElement("old", ev("b"), 300).matches, []);
  assert.deepEqual(op.processElement("new", ev("b"), 301).matches.map(names), ["a=a b=b"]);
});

Deno.test("KeyedOperator caps a key's partial matches at maxPartialMatchesPerKey, dropping the oldest", () => {
  const ANY_AB = compileRule({
    id: "anyab",
    pattern: sequence([atomic("a", "name == 'a'"), atomic("b", "name == 'b'")], ["SKIP_TILL_ANY"]),
  });
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime", maxPartialMatchesPerKey: 2 });
  op.setRule({ id: "1", version: 1 }, ANY_AB);
  for (const [i, id] of ["a1", "a2", "a3"].entries()) {
    op.processElement("k", { name: "a", id }, i + 1);
  }
  assert.equal(op.cappedPartialMatches, 1);
  const out = op.processElement("k", { name: "b", id: "b1" }, 10);
  const ids = (m: RuleMatch) => [...m.match.values()].flat().map((e) => e.id).join(" ");
  assert.deepEqual(out.matches.map(ids).sort(), ["a2 b1", "a3 b1"]);
});

Deno.test("KeyedOperator counts events whose key has state from another group", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  op.setRule({ id: "1", version: 1 }, AB);
  op.processElement("k", ev("a"), 1, { group: 0, position: 0 });
  op.processElement("k", ev("x"), 2, { group: 1, position: 0 });
  assert.equal(op.keysFromOtherGroup, 1);
});
