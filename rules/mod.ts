/**
 * Rules: the JSON rule format turned into a validated engine pattern.
 *
 * @example
 * ```ts
 * import { compileRule } from "./rules/mod.ts";
 * const definition = compileRule({ id: "1", pattern: row.pattern });
 * ```
 *
 * @module
 */

import type { PatternDefinition } from "../engine/mod.ts";
import {
  compileCondition,
  type ConditionRegistry,
  DEFAULT_CONDITION_REGISTRY,
} from "./condition.ts";
import { parseRule, RuleShapeError } from "./parse_rule.ts";
import { RuleValidationError } from "./rule_validation_error.ts";
import { buildPattern } from "./validate_rule.ts";

export { RuleValidationError };
export { MAX_TIMES } from "./validate_rule.ts";
export { MAX_NESTING_DEPTH } from "./parse_rule.ts";
export { MAX_CONDITION_DEPTH, splitCustomArgs } from "./condition.ts";
export { parseRule } from "./parse_rule.ts";
export type { EdgeSpec, GraphSpec, NodeSpec, QuantifierSpec } from "./parse_rule.ts";
export {
  compileCondition,
  type ConditionRegistry,
  DEFAULT_CONDITION_REGISTRY,
} from "./condition.ts";

/** A rule to compile: its id (for messages) and its `pattern` column. */
export interface RuleSource {
  readonly id: string;
  /** JSON text or an already parsed value. */
  readonly pattern: unknown;
}

/** Options for {@link compileRule}. */
export interface CompileRuleOptions {
  /** Condition classes; defaults to the built-in ones. */
  readonly registry?: ConditionRegistry;
}

/**
 * Parses, validates and compiles a rule's pattern, conditions included.
 * @param rule id and pattern JSON
 * @param options the condition class registry
 * @returns the pattern, ready for the engine
 * @throws {RuleValidationError} naming the rule id, the JSON path and the problem
 */
export function compileRule(rule: RuleSource, options: CompileRuleOptions = {}): PatternDefinition {
  const registry = options.registry ?? DEFAULT_CONDITION_REGISTRY;
  try {
    if (rule.pattern === null || rule.pattern === undefined) {
      throw new RuleShapeError("", "pattern is NULL");
    }
    const root = parseRule(rule.pattern);
    return buildPattern(root, (json, path) => {
      try {
        return compileCondition(json, { registry });
      } catch (error) {
        if (error instanceof RuleShapeError) throw error;
        throw new RuleShapeError(path, (error as Error).message);
      }
    });
  } catch (error) {
    if (error instanceof RuleShapeError) {
      throw new RuleValidationError(rule.id, error.path, error.message, { cause: error });
    }
    if (error instanceof SyntaxError || error instanceof TypeError || error instanceof RangeError) {
      throw new RuleValidationError(rule.id, "", error.message, { cause: error });
    }
    throw error;
  }
}
export { formatCondition, formatPatternApi } from "./format_pattern_api.ts";
export { loadConditionClasses } from "./condition_registry.ts";
export { type ConditionField, conditionFields } from "./condition_fields.ts";
