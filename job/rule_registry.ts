/**
 * Applies rule-table snapshots to the running operator: per id the highest version wins; added
 * rules start, changed ones restart with fresh state, deleted ones stop and free their state. A
 * row that cannot run is reported once and the previous good version of its id keeps running.
 *
 * Two rows of one id and version with different patterns (or functions) are a conflict: the row
 * already running keeps running; when neither runs, the version is rejected and the id's
 * previous version keeps running. Either way the conflict is logged once (`rule rows conflict`,
 * with the id and the rows' versions) and counted by `conflicts` until the rows agree again.
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
  /** Fingerprints of the conflicting rows of each id, so a conflict is logged once. */
  readonly #conflicts = new Map<string, string[]>();

  /** @param options the operator to drive and where to report */
  constructor(options: RuleRegistryOptions) {
    this.#options = options;
  }

  /**
   * Ids whose highest version has conflicting rows, with how many different rows it has.
   * @returns rows by rule id (ids without a conflict are absent)
   */
  get conflicts(): Map<string, number> {
    return new Map([...this.#conflicts].map(([id, prints]) => [id, prints.length]));
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
    // The rows of each id's highest version, in table order.
    const latest = new Map<string, RuleRow[]>();
    for (const row of rows) {
      const current = latest.get(row.id);
      if (current === undefined || row.version > current[0]!.version) latest.set(row.id, [row]);
      else if (row.version === current[0]!.version) current.push(row);
    }
    for (const [id, twins] of latest) {
      const running = this.#running.get(id);
      const prints = [...new Set(twins.map(fingerprint))];
      this.#noteConflict(id, twins[0]!.version, prints, running?.rule ?? null);
      // The running row wins a conflict; otherwise the first row of the version is the candidate.
      const row = twins.find((t) => fingerprint(t) === running?.fingerprint) ?? twins[0]!;
      const print = fingerprint(row);
      if (running?.fingerprint === print) {
        // The broken row is gone: if it comes back, report it again.
        this.#rejected.delete(id);
        continue;
      }
      if (this.#rejected.get(id) === print) continue;
      const rule: RuleRef = { id, version: row.version };
      try {
        if (prints.length > 1) {
          throw new RuleValidationError(
            id,
            "",
            `${prints.length} different rows have version ${row.version}`,
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
    for (const id of [...this.#conflicts.keys()]) if (!latest.has(id)) this.#conflicts.delete(id);
    return changes;
  }

  #noteConflict(id: string, version: number, prints: string[], running: RuleRef | null): void {
    if (prints.length < 2) {
      this.#conflicts.delete(id);
      return;
    }
    const sorted = [...prints].sort();
    if (this.#conflicts.get(id)?.join("\n") === sorted.join("\n")) return;
    this.#conflicts.set(id, sorted);
    this.#options.logger.log("warn", "rule rows conflict", {
      ruleId: id,
      versions: prints.map(() => version),
      running: running === null ? null : running.version,
      kept: running?.version === version
        ? "the running row"
        : running === null
        ? "none: the version is rejected"
        : "the previous version",
    });
  }
}
