import assert from "node:assert/strict";
import {
  compileNfa,
  type Event,
  type Match,
  Nfa,
  NFA_STATE_FORMAT_VERSION,
  type NfaState,
  type NfaStateSnapshot,
  type PatternDefinition,
  restoreNfaState,
  snapshotNfaState,
} from "../../engine/mod.ts";
import { compileRule } from "../../rules/mod.ts";
import { keyOf } from "../../cli/conformance.ts";
import { readVector, vectorFiles } from "../_helpers/conformance_vectors.ts";
import { atomic, sequence } from "../_helpers/rule_json.ts";

type Item = { readonly ts: number; readonly event: Event } | { readonly advanceTo: number };

interface FeedOptions {
  /** Sends every key's state through JSON and into another NFA of the rule after every step. */
  readonly roundTrip: boolean;
  readonly keyOf?: (event: Event) => string;
  /** What names an event in the log. */
  readonly label?: (event: Event) => unknown;
  /** Called with each key's snapshot, when round-tripping. */
  readonly onSnapshot?: (snapshot: NfaStateSnapshot) => void;
}

/**
 * Feeds items to one NFA per key as Flink's NFA test harness does (time advances to each event's
 * timestamp first), ends with time at +infinity, and logs every match and timeout in order.
 */
function feed(definition: PatternDefinition, items: readonly Item[], options: FeedOptions) {
  const label = options.label ?? ((event: Event) => event.id);
  const nfas = [0, 1].map(() => new Nfa(compileNfa(definition), definition.afterMatchSkipStrategy));
  let current = 0;
  const states = new Map<string, NfaState>();
  const log: string[] = [];
  const show = (match: Match) =>
    [...match].map(([name, events]) => `${name}:${events.map(label).join(",")}`).join(" ");
  const at = (key: string) => key === "" ? "" : `${key} `;
  const roundTrip = () => {
    if (!options.roundTrip) return;
    current = 1 - current;
    for (const [key, state] of states) {
      const snapshot = snapshotNfaState(state);
      options.onSnapshot?.(snapshot);
      const restored = restoreNfaState(nfas[current]!, JSON.parse(JSON.stringify(snapshot)));
      // The restored state gives back the very same data, and answers the operator alike.
      assert.deepEqual(snapshotNfaState(restored), snapshot);
      assert.equal(restored.livePartialMatches, state.livePartialMatches);
      assert.equal(restored.idle, state.idle);
      assert.equal(nfas[current]!.nextDeadline(restored), nfas[1 - current]!.nextDeadline(state));
      states.set(key, restored);
    }
  };
  const advance = (key: string, ts: number) => {
    const out = nfas[current]!.advanceTime(states.get(key)!, ts);
    for (const m of out.matches) log.push(`${at(key)}match ${show(m)}`);
    for (const t of out.timedOut) log.push(`${at(key)}timeout@${t.timestamp} ${show(t.match)}`);
  };
  items.forEach((item, sequence) => {
    if ("event" in item) {
      const key = options.keyOf?.(item.event) ?? "";
      if (!states.has(key)) states.set(key, nfas[current]!.createInitialNfaState());
      advance(key, item.ts);
      roundTrip();
      const matches = nfas[current]!.process(states.get(key)!, item.event, item.ts, sequence);
      for (const m of matches) log.push(`${at(key)}match ${show(m)}`);
    } else {
      for (const key of states.keys()) advance(key, item.advanceTo);
    }
    roundTrip();
  });
  for (const key of states.keys()) advance(key, Infinity);
  roundTrip();
  return log;
}

let files: string[] = [];
try {
  files = vectorFiles();
} catch (error) {
  Deno.test("snapshotNfaState() has conformance vectors to run", () => {
    assert.fail(`Cannot read conformance vectors: ${(error as Error).message}`);
  });
}

for (const file of files) {
  const vector = readVector(file);
  if (vector.expected.error === true) continue;
  Deno.test(`restoreNfaState() continues exactly as uninterrupted on ${vector.name}`, () => {
    const definition = compileRule({ id: vector.name, pattern: vector.pattern });
    // Events in arrival order, watermarks as time: eventTime vectors then arrive out of order.
    const items: Item[] = vector.input.map((item, n) =>
      "event" in item
        ? { ts: item.ts, event: { ...item.event, "#": n } }
        : { advanceTo: "watermark" in item ? item.watermark : item.advanceTo }
    );
    const options = {
      keyOf: (event: Event) => keyOf(event, vector.keyBy),
      label: (event: Event) => event["#"],
    };
    const uninterrupted = feed(definition, items, { ...options, roundTrip: false });
    assert.deepEqual(feed(definition, items, { ...options, roundTrip: true }), uninterrupted);
  });
}

const A_THEN_B = [atomic("a", "name == 'a'"), atomic("b", "name == 'b'")];

/** Named events `a1`, `b2`…: the name is the letters, and the id the whole. */
function events(...specs: [string, number][]): Item[] {
  return specs.map(([id, ts]) => ({ ts, event: { id, name: id.replace(/[0-9]/g, "") } }));
}

/** The log of a rule over items, after checking the round trip gives the same. */
function feedBoth(rule: PatternDefinition, items: readonly Item[]): string[] {
  const uninterrupted = feed(rule, items, { roundTrip: false });
  assert.deepEqual(feed(rule, items, { roundTrip: true }), uninterrupted);
  return uninterrupted;
}

Deno.test("restoreNfaState() keeps what each skip strategy prunes", () => {
  // a{3} then b over a1 a2 a3 a4 b5: runs a1a2a3 and a2a3a4 both complete on b5. The first
  // match prunes the second run only when the strategy's pruning event is a3 or later.
  const expected: [{ type: string; patternName?: string }, string[]][] = [
    [{ type: "NO_SKIP" }, ["match a:a1,a2,a3 b:b5", "match a:a2,a3,a4 b:b5"]],
    [{ type: "SKIP_TO_NEXT" }, ["match a:a1,a2,a3 b:b5", "match a:a2,a3,a4 b:b5"]],
    [{ type: "SKIP_PAST_LAST_EVENT" }, ["match a:a1,a2,a3 b:b5"]],
    [{ type: "SKIP_TO_FIRST", patternName: "a" }, [
      "match a:a1,a2,a3 b:b5",
      "match a:a2,a3,a4 b:b5",
    ]],
    [{ type: "SKIP_TO_LAST", patternName: "a" }, ["match a:a1,a2,a3 b:b5"]],
  ];
  for (const [skip, log] of expected) {
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
    const items = events(["a1", 1], ["a2", 2], ["a3", 3], ["a4", 4], ["b5", 5]);
    assert.deepEqual(feedBoth(rule, items), log, JSON.stringify(skip));
  }
});

Deno.test("restoreNfaState() keeps matches waiting in completedMatches for an earlier run", () => {
  // a{2} then b, events out of order: a1 at 10, a2 at 9, a3 at 5, b4 at 11. Runs a1a2 and a2a3
  // complete on b4, but run a3 started earlier (at 5) and may still complete first: they wait.
  const rule = compileRule({
    id: "w",
    pattern: sequence(
      [
        atomic("a", "name == 'a'", { properties: ["TIMES"], times: { from: 2, to: 2 } }),
        atomic("b", "name == 'b'"),
      ],
      ["SKIP_TILL_NEXT"],
      { skip: { type: "SKIP_TO_NEXT" } },
    ),
  });
  const items = events(["a1", 10], ["a2", 9], ["a3", 5], ["b4", 11], ["a5", 12], ["b6", 13]);
  let waited = 0;
  feed(rule, items.slice(0, 4), {
    roundTrip: true,
    onSnapshot: (s) => waited = Math.max(waited, s.completedMatches.length),
  });
  assert.equal(waited, 2);
  assert.deepEqual(feedBoth(rule, items), [
    "match a:a3,a5 b:b6",
    "match a:a2,a3 b:b4",
    "match a:a1,a2 b:b4",
  ]);
});

Deno.test("restoreNfaState() keeps event ids of a timestamp seen again out of order", () => {
  // a7 a5 a3 a5': the second event at 5 is numbered after the first (EventId 5#1), which
  // SKIP_TO_NEXT needs to keep its run when the match starting at 5#0 prunes up to 5#0.
  const rule = compileRule({
    id: "o",
    pattern: sequence(A_THEN_B, ["SKIP_TILL_NEXT"], { skip: { type: "SKIP_TO_NEXT" } }),
  });
  const items = events(["a1", 7], ["a2", 5], ["a3", 3], ["a4", 5], ["b5", 8]);
  assert.deepEqual(feedBoth(rule, items), [
    "match a:a3 b:b5",
    "match a:a2 b:b5",
    "match a:a4 b:b5",
    "match a:a1 b:b5",
  ]);
});

Deno.test("restoreNfaState() keeps windows, their timeouts and a pending notFollowedBy", () => {
  const within = compileRule({
    id: "t",
    pattern: sequence(A_THEN_B, ["SKIP_TILL_NEXT"], {
      window: { type: "FIRST_AND_LAST", ms: 10 },
    }),
  });
  assert.deepEqual(
    feedBoth(within, [...events(["a1", 1], ["a2", 5]), { advanceTo: 12 }, ...events(["b3", 13])]),
    ["timeout@11 a:a1", "match a:a2 b:b3"],
  );
  const pending = compileRule({
    id: "p",
    pattern: sequence([atomic("a", "name == 'a'"), atomic("c", "name == 'c'")], ["NOT_FOLLOW"], {
      window: { type: "FIRST_AND_LAST", ms: 10 },
    }),
  });
  assert.deepEqual(
    feedBoth(pending, [...events(["a1", 1], ["c2", 3], ["a3", 4], ["x4", 8]), { advanceTo: 15 }]),
    ["match a:a3"],
  );
  const perState = compileRule({
    id: "c",
    pattern: sequence([...A_THEN_B, atomic("c", "name == 'c'")], [
      "SKIP_TILL_NEXT",
      "SKIP_TILL_NEXT",
    ], {
      window: { type: "PREVIOUS_AND_CURRENT", ms: 5 },
    }),
  });
  const items = events(["a1", 1], ["b2", 5], ["c3", 9], ["a4", 10], ["b5", 11]);
  assert.deepEqual(feedBoth(perState, [...items, { advanceTo: 20 }]), [
    "match a:a1 b:b2 c:c3",
    "timeout@16 a:a4 b:b5",
  ]);
});

const RULE_1 = compileRule(
  JSON.parse(Deno.readTextFileSync(new URL("../../samples/rules/rule1.json", import.meta.url))),
);

/** Rule 1's state for one key after the given `action` values, one a millisecond. */
function rule1State(actions: readonly number[]) {
  const nfa = new Nfa(compileNfa(RULE_1), RULE_1.afterMatchSkipStrategy);
  const state = nfa.createInitialNfaState();
  actions.forEach((action, i) => {
    nfa.advanceTime(state, i + 1);
    nfa.process(state, { id: `v${i + 1}`, action }, i + 1, i);
  });
  return { nfa, state };
}

Deno.test("snapshotNfaState() writes each event once when runs share it", () => {
  // Rule 1 (start{3} looping, then end) after three views: runs v1v2v3, v2v3, v3 and the
  // unstarted one; v2 and v3 are on several paths.
  assert.deepEqual(snapshotNfaState(rule1State([0, 0, 0]).state), {
    version: 1,
    names: ["start:3", "start", "start:2", "start:4", ""],
    events: [
      [1, 0, 0, 0, { id: "v1", action: 0 }],
      [2, 0, 1, 1, { id: "v2", action: 0 }],
      [3, 0, 2, 2, { id: "v3", action: 0 }],
    ],
    nodes: [
      [0, 1, 0, -1],
      [2, 1, 1, 0],
      [1, 1, 2, 1],
      [0, 1, 1, -1],
      [2, 1, 2, 3],
      [0, 1, 2, -1],
      [3, 4, -1, -1],
    ],
    partialMatches: [2, 4, 5, 6],
    completedMatches: [],
    counters: [3, 1, 3, 3, []],
  });
});

Deno.test("snapshotNfaState() writes a path prefix once when runs share it", () => {
  // a, followedByAny b, then c, over a1 b2 b3 b4: the runs a1, a1b2, a1b3, a1b4 share a1's node.
  const rule = compileRule({
    id: "any",
    pattern: sequence([...A_THEN_B, atomic("c", "name == 'c'")], [
      "SKIP_TILL_ANY",
      "SKIP_TILL_NEXT",
    ]),
  });
  const nfa = new Nfa(compileNfa(rule), rule.afterMatchSkipStrategy);
  const state = nfa.createInitialNfaState();
  events(["a1", 1], ["b2", 2], ["b3", 3], ["b4", 4]).forEach((item, i) => {
    if ("event" in item) nfa.process(state, item.event, item.ts, i);
  });
  const snapshot = snapshotNfaState(state);
  assert.deepEqual(snapshot.events.map((e) => e[4].id), ["a1", "b2", "b3", "b4"]);
  const { names, nodes } = snapshot;
  assert.deepEqual(nodes.map(([s, p, e, b]) => [names[s], names[p], e, b]), [
    ["b", "a", 0, -1],
    ["c", "b", 1, 0],
    ["c", "b", 2, 0],
    ["c", "b", 3, 0],
    ["a", "", -1, -1],
  ]);
});

Deno.test("restoreNfaState() refuses another format version", () => {
  const { nfa, state } = rule1State([0]);
  const data = { ...snapshotNfaState(state), version: 2 };
  assert.throws(() => restoreNfaState(nfa, data), {
    name: "RangeError",
    message: 'Cannot restore NFA state: format version "2" is not supported (this edgecep reads 1)',
  });
  assert.equal(NFA_STATE_FORMAT_VERSION, 1);
});

Deno.test("restoreNfaState() refuses a state the compiled NFA does not have", () => {
  const { nfa, state } = rule1State([0]);
  const snapshot = snapshotNfaState(state);
  const data = { ...snapshot, names: snapshot.names.map((n) => n === "start:3" ? "begin:3" : n) };
  assert.throws(() => restoreNfaState(nfa, data), {
    name: "RangeError",
    message: 'Cannot restore NFA state: state "begin:3" is not in the compiled NFA',
  });
});

Deno.test("restoreNfaState() refuses data of another shape", () => {
  const { nfa, state } = rule1State([0]);
  const snapshot = snapshotNfaState(state);
  const cases: [unknown, string, string][] = [
    [null, "TypeError", 'expected an object, got "null"'],
    [{ version: "1" }, "RangeError", 'format version "1" is not supported (this edgecep reads 1)'],
    [{ ...snapshot, nodes: "x" }, "TypeError", 'nodes must be an array, got "x"'],
    [{ ...snapshot, nodes: [[1, 1, 5, -1]] }, "RangeError", 'nodes[0] event is "5", out of range'],
    [
      { ...snapshot, nodes: [[1, 1, -1, 0]] },
      "RangeError",
      'nodes[0] previous is "0", out of range',
    ],
    [
      { ...snapshot, events: [[1, 0, 0, 0, 7]] },
      "TypeError",
      'events[0] must end with an event object, got "7"',
    ],
    [
      { ...snapshot, counters: [1, 1, "soon", 1, []] },
      "TypeError",
      'counters high must be a number, got "soon"',
    ],
    [
      { ...snapshot, counters: [1, 1, 1, 1] },
      "TypeError",
      'counters must be an array of 5, got "[1,1,1,1]"',
    ],
  ];
  for (const [data, name, message] of cases) {
    assert.throws(() => restoreNfaState(nfa, data), {
      name,
      message: `Cannot restore NFA state: ${message}`,
    });
  }
});
