/**
 * The reference demo's output for a match: the line `DemoPatternProcessFunction` prints and the
 * row the quick start expects in `match_results`.
 *
 * @module
 */

import type { Event, RuleMatch } from "../engine/mod.ts";
import type { MatchRow } from "../io/mod.ts";

/** The demo's `Event#toString`: `Event(id, name, action, productionId, eventTime)`. */
export function formatEvent(event: Event): string {
  return `Event(${event.id}, ${event.name}, ${event.action}, ${event.productionId}, ${event.eventTime})`;
}

/**
 * The demo's `processMatch` line, e.g. `A match for Pattern of (id, version): (1, 1) is found.
 * The event sequence: start: [Event(…), …]end: [Event(…)]` (Java prints the map entries with
 * nothing between them).
 */
export function formatMatchLine(match: RuleMatch): string {
  let line = `A match for Pattern of (id, version): (${match.rule.id}, ${match.rule.version}) ` +
    "is found. The event sequence: ";
  for (const [pattern, events] of match.match) {
    line += `${pattern}: [${events.map(formatEvent).join(", ")}]`;
  }
  return line;
}

/**
 * The `match_results` row of a match: the user and product of its first event (all events of a
 * match share the key, i.e. user id and product id).
 * @throws {TypeError} if the event lacks the demo's fields
 */
export function toMatchRow(match: RuleMatch): MatchRow {
  const first = match.match.values().next().value?.[0];
  const id = first?.id;
  const productionId = first?.productionId;
  if (typeof id !== "number" || typeof productionId !== "number") {
    throw new TypeError(
      `Cannot write match of rule "${match.rule.id}": its first event has no numeric id and productionId`,
    );
  }
  return {
    ruleId: match.rule.id,
    ruleVersion: match.rule.version,
    userId: id,
    userName: String(first?.name ?? ""),
    productionId,
  };
}
