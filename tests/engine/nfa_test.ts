import assert from "node:assert/strict";
import { compileNfa, type Event, type Match, Nfa } from "../../engine/mod.ts";
import { compileRule } from "../../rules/mod.ts";
import { atomic, sequence } from "../_helpers/rule_json.ts";

const AB = compileRule({
  id: "ab",
  pattern: sequence([atomic("a", "name == 'a'"), atomic("b", "name == 'b'")], ["SKIP_TILL_NEXT"]),
});

/** Feeds events as Flink's NFA test harness does: time advances to each event's timestamp. */
function feed(events: readonly [number, Event][]): Match[] {
  const nfa = new Nfa(compileNfa(AB), AB.afterMatchSkipStrategy);
  const state = nfa.createInitialNfaState();
  const matches: Match[] = [];
  events.forEach(([ts, event], sequence) => {
    nfa.advanceTime(state, ts);
    matches.push(...nfa.process(state, event, ts, sequence));
  });
  return matches;
}

const firstA = (m: Match) => m.get("a")![0]!.id;

Deno.test("Nfa orders matches by their first event's timestamp, not by arrival", () => {
  const matches = feed([
    [5, { id: 1, name: "a" }],
    [3, { id: 2, name: "a" }],
    [6, { id: 3, name: "b" }],
  ]);
  assert.deepEqual(matches.map(firstA), [2, 1]);
});

Deno.test("Nfa orders matches of one timestamp by arrival", () => {
  const matches = feed([
    [5, { id: 1, name: "a" }],
    [5, { id: 2, name: "a" }],
    [6, { id: 3, name: "b" }],
  ]);
  assert.deepEqual(matches.map(firstA), [1, 2]);
});

Deno.test("Nfa completes a match on a TAKE only when the taken event passes the notNext after it", () => {
  // a, notNext c, optional d: taking `a` reaches the end by PROCEED through the notNext only when
  // the same event is not a `c`. The decision for `a`'s state depends on c's condition, which no
  // transition of that state carries itself.
  const rule = compileRule({
    id: "n",
    pattern: sequence([
      atomic("a", "value > 0"),
      atomic("c", "value > 10"),
      atomic("d", "value < 0", { properties: ["SINGLE", "OPTIONAL"] }),
    ], ["NOT_NEXT", "SKIP_TILL_NEXT"]),
  });
  const nfa = new Nfa(compileNfa(rule), rule.afterMatchSkipStrategy);
  const state = nfa.createInitialNfaState();
  const completedBy = [5, 20, 1, 30, 2].map((value, ts) => {
    nfa.advanceTime(state, ts);
    return nfa.process(state, { value }, ts, ts).map((m) => m.get("a")![0]!.value);
  });
  assert.deepEqual(completedBy, [[5], [], [1], [], [2]]);
});
