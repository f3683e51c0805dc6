/**
 * Finds the rules an event may start from the event's fields, as Esper's filter indexes do: a
 * rule whose every start requires some `field == value` is filed under that pair, so an event
 * meets only the rules filed under its own values and the few rules filed under none.
 *
 * It is only a filter: a rule whose start could take the event is never left out (the NFA still
 * decides), so the matches are Flink's.
 *
 * @module
 */

import { requiredEqualities } from "./_conditions.ts";
import { proceedClosure } from "./_decision_tables.ts";
import type { Event, FieldEquality } from "./pattern.ts";
import type { State } from "./state.ts";

/** What the index needs of a rule. */
export interface IndexedRule {
  /** Equality tests that every start of the rule requires (see {@link startEqualities}). */
  readonly startEqualities: readonly FieldEquality[];
  /** The visit that last collected the rule, so that one visit collects it once. */
  stamp: number;
}

/**
 * The equality tests that hold whenever a run can start: a fresh key's runs are in the start
 * states, and a run starts by a TAKE reached from them through PROCEED edges (Flink:
 * `NFA#createDecisionGraph`). Whatever the PROCEED conditions, each such TAKE's condition must
 * hold, so a test required by all of them is required by every start.
 * @param states every state of the compiled NFA
 * @returns the tests, empty when no test is common to all starts
 */
export function startEqualities(states: Iterable<State>): FieldEquality[] {
  let common: FieldEquality[] | null = null;
  for (const start of states) {
    if (!start.isStart) continue;
    for (const state of proceedClosure(start)) {
      for (const t of state.transitions) {
        if (t.action !== "TAKE") continue;
        const required = t.condition === null ? [] : requiredEqualities(t.condition);
        common = common === null
          ? [...required]
          : common.filter((c) => required.some((r) => r.field === c.field && r.value === c.value));
      }
    }
  }
  return common ?? [];
}

/**
 * Up to this many rules, every event visits all of them: a fresh key's NFA decides as fast as a
 * lookup would (with one rule, looking it up cost 6 % of the quick start's throughput).
 */
const FEW_RULES = 4;

/** Rules by the value one of their start's equality tests requires. */
export class StartIndex<R extends IndexedRule> {
  readonly #fields: string[] = [];
  /** Per field of `#fields`: the rule or rules filed under each value, in the order given. */
  readonly #buckets: Map<unknown, R | R[]>[] = [];
  readonly #unindexed: R[] = [];
  /** When the rules are few, all of them, to visit for every event instead of collecting. */
  readonly all: readonly R[] | null = null;

  /**
   * Files each rule under its test that the fewest rules share, the most selective one: of a
   * thousand rules testing `action == 0 && productionId == i`, each under its product.
   * @param rules the rules, in the order they are to be collected in
   */
  constructor(rules: readonly R[]) {
    if (rules.length <= FEW_RULES) {
      this.all = rules;
      return;
    }
    const shared = new Map<string, Map<unknown, number>>();
    for (const rule of rules) {
      for (const { field, value } of rule.startEqualities) {
        let values = shared.get(field);
        if (values === undefined) shared.set(field, values = new Map());
        values.set(value, (values.get(value) ?? 0) + 1);
      }
    }
    for (const rule of rules) {
      let best: FieldEquality | null = null;
      let fewest = Infinity;
      for (const equality of rule.startEqualities) {
        const n = shared.get(equality.field)!.get(equality.value)!;
        if (n < fewest) [best, fewest] = [equality, n];
      }
      if (best === null) {
        this.#unindexed.push(rule);
        continue;
      }
      let f = this.#fields.indexOf(best.field);
      if (f < 0) {
        f = this.#fields.push(best.field) - 1;
        this.#buckets.push(new Map());
      }
      // A value most rules do not share holds its one rule itself, one object less to read.
      const buckets = this.#buckets[f]!;
      const bucket = buckets.get(best.value);
      if (bucket === undefined) buckets.set(best.value, rule);
      else if (Array.isArray(bucket)) bucket.push(rule);
      else buckets.set(best.value, [bucket, rule]);
    }
  }

  /**
   * Adds to `into`, from `count` on, the rules `event` may start that are not stamped `stamp`
   * yet, and stamps them.
   * @returns the new count
   */
  collect(event: Event, into: R[], count: number, stamp: number): number {
    const fields = this.#fields;
    let n = count;
    for (let f = 0; f < fields.length; f++) {
      const bucket = this.#buckets[f]!.get(event[fields[f]!]);
      if (bucket === undefined) continue;
      if (!Array.isArray(bucket)) {
        if (bucket.stamp === stamp) continue;
        bucket.stamp = stamp;
        into[n++] = bucket;
      } else n = stampAll(bucket, into, n, stamp);
    }
    return this.#unindexed.length === 0 ? n : stampAll(this.#unindexed, into, n, stamp);
  }
}

function stampAll<R extends IndexedRule>(rules: R[], into: R[], count: number, stamp: number) {
  let n = count;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.stamp === stamp) continue;
    rule.stamp = stamp;
    into[n++] = rule;
  }
  return n;
}
