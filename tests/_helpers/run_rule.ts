/**
 * Runs one compiled rule over named events the way Flink's NFATestHarness does (time advances to
 * each event's timestamp), and prints matches as `start: a1 a2 | end: b1`, so tests compare
 * exact match lists.
 */
import { compileNfa, type Event, Nfa, type PatternDefinition } from "../../engine/mod.ts";

/**
 * Feeds `events` (each with a `name` that identifies it, and timestamps 1, 2, ...) to the rule.
 * @returns each match as `pattern: names | pattern: names`, in the order the NFA emits them
 */
export function runRule(definition: PatternDefinition, events: readonly Event[]): string[] {
  const nfa = new Nfa(compileNfa(definition), definition.afterMatchSkipStrategy);
  const state = nfa.createInitialNfaState();
  const matches: string[] = [];
  events.forEach((event, i) => {
    nfa.advanceTime(state, i + 1);
    for (const match of nfa.process(state, event, i + 1, i)) {
      matches.push(
        [...match].map(([name, taken]) => `${name}: ${taken.map((e) => e.name).join(" ")}`)
          .join(" | "),
      );
    }
  });
  return matches;
}
