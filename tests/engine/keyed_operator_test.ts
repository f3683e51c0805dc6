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
  assert.equal(op.oldestLiveSequence(), op.nextSequence);
});

Deno.test("KeyedOperator.oldestLiveSequence() holds back events partial matches still need", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  op.setRule({ id: "1", version: 1 }, AB);
  op.processElement("k", ev("x"), 1); // sequence 0, needed by nobody
  assert.equal(op.oldestLiveSequence(), 1);
  op.processElement("k", ev("a"), 2); // sequence 1, opens a partial match
  op.processElement("k", ev("x"), 3); // sequence 2
  assert.equal(op.oldestLiveSequence(), 1);
  op.processElement("k", ev("b"), 4); // followedBy takes the first b: the run of "a" ends
  assert.equal(op.oldestLiveSequence(), op.nextSequence);
});

Deno.test("KeyedOperator frees a key once no partial match holds an event", () => {
  const op = new KeyedOperator({ timeBehaviour: "ProcessingTime" });
  op.setRule({ id: "1", version: 1 }, AB_WITHIN_10);
  op.processElement("k", ev("a"), 1);
  op.processElement("k", ev("b"), 2);
  op.advanceProcessingTime(100);
  assert.equal(op.partialMatchCounts().get("1"), 0);
  assert.equal(op.oldestLiveSequence(), op.nextSequence);
});
