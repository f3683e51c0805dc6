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

Deno.test("Nfa prunes after a match from the event each skip strategy picks", () => {
  // a{3} then b over a1 a2 a3 a4 b5: runs a1a2a3 and a2a3a4 both complete on b5. The first match
  // prunes the second run only when the strategy's pruning event is a3 or later.
  const expected: [{ type: string; patternName?: string }, number[]][] = [
    [{ type: "NO_SKIP" }, [1, 2]],
    [{ type: "SKIP_TO_NEXT" }, [1, 2]],
    [{ type: "SKIP_PAST_LAST_EVENT" }, [1]],
    [{ type: "SKIP_TO_FIRST", patternName: "a" }, [1, 2]],
    [{ type: "SKIP_TO_LAST", patternName: "a" }, [1]],
    [{ type: "SKIP_TO_FIRST", patternName: "b" }, [1]],
  ];
  for (const [skip, firstAs] of expected) {
    const rule = compileRule({
      id: "s",
      pattern: sequence(
        [
          atomic("a", "name == 'a'", { properties: ["TIMES"], times: { from: 3, to: 3 } }),
          atomic("b", "name == 'b'"),
        ],
        ["SKIP_TILL_NEXT"],
        { skip },
      ),
    });
    const nfa = new Nfa(compileNfa(rule), rule.afterMatchSkipStrategy);
    const state = nfa.createInitialNfaState();
    const matches: Match[] = [];
    ["a", "a", "a", "a", "b"].forEach((name, i) => {
      nfa.advanceTime(state, i + 1);
      matches.push(...nfa.process(state, { id: i + 1, name }, i + 1, i));
    });
    assert.deepEqual(matches.map(firstA), firstAs, JSON.stringify(skip));
  }
});

Deno.test("Nfa prunes by event time when events arrive out of order", () => {
  const rule = compileRule({
    id: "o",
    pattern: sequence([atomic("a", "name == 'a'"), atomic("b", "name == 'b'")], [
      "SKIP_TILL_NEXT",
    ], { skip: { type: "SKIP_PAST_LAST_EVENT" } }),
  });
  const run = (times: readonly number[]) => {
    const nfa = new Nfa(compileNfa(rule), rule.afterMatchSkipStrategy);
    const state = nfa.createInitialNfaState();
    const matches: Match[] = [];
    ["a", "a", "b"].forEach((name, i) => {
      nfa.advanceTime(state, times[i]!);
      matches.push(...nfa.process(state, { id: i + 1, name }, times[i]!, i));
    });
    return matches.map(firstA);
  };
  // a2's run starts first, so its match comes first; pruning past b at 6 drops a1's run too.
  assert.deepEqual(run([5, 3, 6]), [2]);
  // With b at 4, a1 (at 5) starts after the pruning event and survives to match as well.
  assert.deepEqual(run([5, 3, 4]), [2, 1]);
});

Deno.test("Nfa reports the patterns whose conditions refused an event an open run could take", () => {
  const nfa = new Nfa(compileNfa(AB), AB.afterMatchSkipStrategy);
  const reports: string[] = [];
  nfa.listener = (e) => {
    if (e.type === "rejected") {
      reports.push(`${e.type} ${String(e.event.name)} at ${e.state}: ${e.conditions.join(",")}`);
    } else reports.push(`${e.type} at ${e.state}`);
  };
  const state = nfa.createInitialNfaState();
  [{ name: "a" }, { name: "c" }, { name: "b" }].forEach((event, ts) => {
    nfa.advanceTime(state, ts);
    nfa.process(state, event, ts, ts);
  });
  assert.deepEqual(reports, [
    "opened at a",
    "rejected c at b: b",
    "advanced at b",
    "matched at $endState$",
  ]);
});
