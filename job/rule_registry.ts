/**
 * Applies rule-table snapshots to the running operator: per id the highest version wins; added
 * rules start, changed ones restart with fresh state, deleted ones stop and free their state. A
 * row that cannot run is reported once and the previous good version of its id keeps running.
 *
 * @module
 */

import type { KeyedOperator, PatternDefinition, RuleRef } from "../engine/mod.ts";
import type { Logger, RuleRow, RuleSet } from "../io/mod.ts";
import { compileRule, type ConditionRegistry, RuleValidationError } from "../rules/mod.ts";

/** The reference demo's process function: prints the match and writes `match_results`. */
export const DEMO_PROCESS_FUNCTION =
  "com.alibaba.ververica.cep.demo.dynamic.DemoPatternProcessFunction";

/** What one snapshot changed. */
export interface RuleChanges {
  readonly added: RuleRef[];
  readonly replaced: RuleRef[];
  readonly removed: string[];
  readonly rejected: { readonly rule: RuleRef; readonly reason: string }[];
}

/** Options for {@link RuleRegistry}. */
export interface RuleRegistryOptions {
  readonly operator: KeyedOperator;
  readonly logger: Logger;
  /** Condition classes; defaults to the built-in ones. */
  readonly conditions?: ConditionRegistry;
}

const fingerprint = (row: RuleRow) => JSON.stringify([row.version, row.pattern, row.function]);

/**
 * Checks the `function` column and compiles the pattern of one row.
 * @throws {RuleValidationError} naming the id and the problem
 */
export function compileRuleRow(row: RuleRow, conditions?: ConditionRegistry): PatternDefinition {
  if (row.function !== DEMO_PROCESS_FUNCTION) {
    throw new RuleValidationError(
      row.id,
      "function",
      row.function === null
        ? "function is NULL"
        : `unknown function "${row.function}" (supported: "${DEMO_PROCESS_FUNCTION}")`,
    );
  }
  // match_results.rule_id is an INT column, so the demo function needs a numeric id.
  if (!/^-?\d{1,10}$/.test(row.id)) {
    throw new RuleValidationError(
      row.id,
      "id",
      `id "${row.id}" is not an integer, but ${DEMO_PROCESS_FUNCTION} writes it to match_results.rule_id (INT)`,
    );
  }
  return compileRule(
    { id: row.id, pattern: row.pattern },
    conditions === undefined ? {} : { registry: conditions },
  );
}

/** Diffs rule snapshots against what runs. */
export class RuleRegistry {
  readonly #options: RuleRegistryOptions;
  /** Fingerprint of the running version of each id. */
  readonly #running = new Map<string, { rule: RuleRef; fingerprint: string }>();
  /** Fingerprint of the last rejected row of each id, so it is reported once. */
  readonly #rejected = new Map<string, string>();

  /** @param options the operator to drive and where to report */
  constructor(options: RuleRegistryOptions) {
    this.#options = options;
  }

  /** The rules that run. */
  get running(): RuleRef[] {
    return [...this.#running.values()].map((r) => r.rule);
  }

  /**
   * Applies one snapshot of the rule table.
   * @param rows every row of the table
   * @returns what changed
   */
  apply(rows: RuleSet): RuleChanges {
    const { operator, logger } = this.#options;
    const changes: RuleChanges = { added: [], replaced: [], removed: [], rejected: [] };
    const latest = new Map<string, RuleRow>();
    for (const row of rows) {
      const current = latest.get(row.id);
      if (current === undefined || row.version > current.version) latest.set(row.id, row);
    }
    for (const [id, row] of latest) {
      const print = fingerprint(row);
      const running = this.#running.get(id);
      if (running?.fingerprint === print) {
        // The broken row is gone: if it comes back, report it again.
        this.#rejected.delete(id);
        continue;
      }
      if (this.#rejected.get(id) === print) continue;
      const rule: RuleRef = { id, version: row.version };
      const twins = rows.filter((r) => r.id === id && r.version === row.version);
      try {
        if (twins.some((t) => fingerprint(t) !== print)) {
          throw new RuleValidationError(
            id,
            "",
            `${twins.length} different rows have version ${row.version}`,
          );
        }
        operator.setRule(rule, compileRuleRow(row, this.#options.conditions));
      } catch (error) {
        if (!(error instanceof RuleValidationError)) throw error;
        this.#rejected.set(id, print);
        changes.rejected.push({ rule, reason: error.message });
        logger.log("error", "rule rejected", {
          ruleId: id,
          version: row.version,
          reason: error.message,
          keptVersion: running?.rule.version ?? null,
        });
        continue;
      }
      this.#rejected.delete(id);
      this.#running.set(id, { rule, fingerprint: print });
      (running === undefined ? changes.added : changes.replaced).push(rule);
      logger.log("info", running === undefined ? "rule added" : "rule replaced", {
        ruleId: id,
        version: row.version,
        ...(running === undefined ? {} : { previousVersion: running.rule.version }),
      });
    }
    for (const id of [...this.#running.keys()]) {
      if (latest.has(id)) continue;
      operator.removeRule(id);
      this.#running.delete(id);
      this.#rejected.delete(id);
      changes.removed.push(id);
      logger.log("info", "rule removed", { ruleId: id });
    }
    for (const id of [...this.#rejected.keys()]) if (!latest.has(id)) this.#rejected.delete(id);
    return changes;
  }
}
