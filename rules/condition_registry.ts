/**
 * CLASS conditions: a class name in the rule JSON stands for a condition that Flink would
 * instantiate from the job's jar. Here a class is a function from the rule's `args` to a
 * condition, built in or defined in a JSON file that needs no rebuild.
 *
 * The built-ins reproduce the reference demo (RealtimeCompute/ververica-cep-demo and its later
 * copy ververica/cep-demo), whose `Event` has the fields `id`, `name`, `action`, `productionId`,
 * `eventTime` and `eventArgs`:
 *
 * | Class (`com.alibaba.ververica.cep.demo.condition.`) | Condition |
 * | --- | --- |
 * | `StartCondition` | `action == 0`; with `args: [expr]`, the Aviator expression `expr` |
 * | `MiddleCondition` | `name.contains("middle")` |
 * | `EndCondition` | `action != 1` |
 * | `SubEndCondition` | `type == "SubEvent" && name.equals("subEnd")` (a `SimpleCondition<SubEvent>`) |
 * | `DebugCondition` | `name.equals("debug")` |
 * | `CustomMiddleCondition` | `args[0]` is an Aviator expression; `args[1..]` are the target groups |
 *
 * `org.apache.flink.cep.pattern.conditions.CustomMiddleCondition` (the name in the quick start
 * document) and `com.ververica.cep.demo.condition.{Start,Middle,End}Condition` are aliases.
 *
 * @module
 */

import type { Condition, Event } from "../engine/mod.ts";
import { compileExpression, describeExpression, type ExpressionDialect } from "./expression.ts";

/**
 * A condition class: builds the condition from the rule's `args` (`undefined` when the JSON has
 * none). Flink: the class's constructor, `()` or `(String[] args)`.
 *
 * @throws {RangeError} when the args do not suit the class
 * @throws {SyntaxError} when an arg is an expression outside the subset
 */
export type ConditionClass = (args: readonly string[] | undefined) => Condition;

/** Condition classes by fully qualified name. */
export type ConditionRegistry = ReadonlyMap<string, ConditionClass>;

const DEMO = "com.alibaba.ververica.cep.demo.condition.";
const VERVERICA_DEMO = "com.ververica.cep.demo.condition.";

function noArgs(condition: Condition): ConditionClass {
  return (args) => {
    if (args !== undefined && args.length > 0) {
      throw new RangeError(`Takes no args, got ${args.length}`);
    }
    return condition;
  };
}

function expressionClass(expression: string, dialect: ExpressionDialect): ConditionClass {
  return noArgs(compileExpression(expression, dialect));
}

// The demo's first StartCondition tested `action == 0`; its later one is an AviatorCondition of
// its constructor argument, which Flink serialises as an AVIATOR condition, so it rarely arrives
// as a CLASS. Both forms are accepted.
const START = compileExpression("action == 0", "AVIATOR");
const startCondition: ConditionClass = (args) => {
  if (args === undefined || args.length === 0) return START;
  if (args.length > 1) throw new RangeError(`Takes 0 or 1 args, got ${args.length}`);
  return compileExpression(args[0]!, "AVIATOR");
};

// Jackson's JsonNode#asText, which the demo uses to read the group.
function asText(value: unknown): string {
  if (value === null) return "null";
  return typeof value === "object" ? "" : String(value);
}

/**
 * The demo's CustomMiddleCondition (the later one, with target groups). The Aviator expression
 * `args[0]` reads the event's fields; `eventArgs` is a JSON text that the demo parses to a map, so
 * `eventArgs.detail.price > 10000` reads inside it. When the expression reads `eventArgs` and that
 * has a `group` outside `args[1..]`, the event does not match. As in the demo, an expression that
 * reads no field at all is always true. Where the demo throws (unparseable `eventArgs`, a result
 * that is not a boolean) the event does not match.
 */
const customMiddleCondition: ConditionClass = (args) => {
  const [expression, ...groups] = args ?? [];
  if (expression === undefined) {
    throw new RangeError("Needs at least 1 arg (an Aviator expression), got 0");
  }
  const condition = compileExpression(expression, "AVIATOR");
  const { variables } = describeExpression(expression, "AVIATOR");
  if (variables.length === 0) return () => true;
  if (!variables.includes("eventArgs")) return condition;
  const targetGroup = new Set(groups);
  // Parse each distinct eventArgs text once, though the NFA asks for the same event many times
  let lastText: string | undefined;
  let lastParsed: unknown;
  return (event: Event) => {
    let parsed: unknown = Object.hasOwn(event, "eventArgs") ? event.eventArgs : undefined;
    if (typeof parsed === "string") {
      if (parsed !== lastText) {
        try {
          lastParsed = JSON.parse(parsed);
        } catch {
          return false;
        }
        lastText = parsed;
      }
      parsed = lastParsed;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return false;
    if (Object.hasOwn(parsed, "group")) {
      const group = (parsed as Record<string, unknown>).group;
      if (!targetGroup.has(asText(group))) return false;
    }
    return condition({ ...event, eventArgs: parsed });
  };
};

const middleCondition = expressionClass('name.contains("middle")', "GROOVY");
const endCondition = expressionClass("action != 1", "AVIATOR");

/** The built-in condition classes: the reference demo's, under their Java names. */
export const DEFAULT_CONDITION_REGISTRY: ConditionRegistry = new Map([
  [`${DEMO}StartCondition`, startCondition],
  [`${DEMO}MiddleCondition`, middleCondition],
  [`${DEMO}EndCondition`, endCondition],
  [
    `${DEMO}SubEndCondition`,
    expressionClass('type == "SubEvent" && name.equals("subEnd")', "GROOVY"),
  ],
  [`${DEMO}DebugCondition`, expressionClass('name.equals("debug")', "GROOVY")],
  [`${DEMO}CustomMiddleCondition`, customMiddleCondition],
  ["org.apache.flink.cep.pattern.conditions.CustomMiddleCondition", customMiddleCondition],
  [`${VERVERICA_DEMO}StartCondition`, startCondition],
  [`${VERVERICA_DEMO}MiddleCondition`, middleCondition],
  [`${VERVERICA_DEMO}EndCondition`, endCondition],
]);

/** Options for {@linkcode loadConditionClasses}. */
export interface LoadConditionClassesOptions {
  /** The classes to start from; defaults to {@linkcode DEFAULT_CONDITION_REGISTRY}. */
  readonly base?: ConditionRegistry;
}

const DIALECTS: readonly string[] = ["AVIATOR", "GROOVY"];
const CLASS_FIELDS: readonly string[] = ["expression", "dialect", "description"];

/**
 * Adds condition classes defined in a JSON file, so a rule can name them without a rebuild:
 *
 * ```json
 * {
 *   "com.acme.HighPrice": { "expression": "price > double($0)", "dialect": "AVIATOR" },
 *   "com.acme.IsMiddle": { "expression": "name.contains('middle')", "dialect": "GROOVY" }
 * }
 * ```
 *
 * `dialect` defaults to `AVIATOR`; `description` is free text. The placeholders `$0`, `$1`, ...
 * are the rule's `args` (strings; convert with `double($0)` / `$0.toDouble()`), and a rule must
 * give at least as many args as the highest placeholder needs; a class without placeholders
 * takes no args. A class may replace a built-in one of the same name.
 *
 * @param jsonText the file's text
 * @param options the classes to add to
 * @returns a new registry with the base classes and the file's classes
 * @throws {SyntaxError} when the text is not JSON or an expression is outside the subset
 * @throws {TypeError} when the file or an entry has the wrong shape
 * @throws {RangeError} when a `dialect` is not AVIATOR or GROOVY, or an entry has an unknown field
 */
export function loadConditionClasses(
  jsonText: string,
  options: LoadConditionClassesOptions = {},
): ConditionRegistry {
  let json: unknown;
  try {
    json = JSON.parse(jsonText);
  } catch (error) {
    throw new SyntaxError(`Condition classes are not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isRecord(json)) {
    throw new TypeError(`Condition classes must be a JSON object, got ${describe(json)}`);
  }
  const registry = new Map(options.base ?? DEFAULT_CONDITION_REGISTRY);
  for (const [className, spec] of Object.entries(json)) {
    const problem = (message: string) => `Condition class ${JSON.stringify(className)}: ${message}`;
    if (!isRecord(spec)) throw new TypeError(problem(`must be an object, got ${describe(spec)}`));
    const unknown = Object.keys(spec).find((key) => !CLASS_FIELDS.includes(key));
    if (unknown !== undefined) {
      throw new RangeError(
        problem(`field ${JSON.stringify(unknown)} is not one of ${CLASS_FIELDS.join(", ")}`),
      );
    }
    const { expression, dialect = "AVIATOR" } = spec;
    if (typeof expression !== "string") {
      throw new TypeError(problem(`"expression" must be a string, got ${describe(expression)}`));
    }
    if (typeof dialect !== "string" || !DIALECTS.includes(dialect)) {
      throw new RangeError(
        problem(`dialect ${JSON.stringify(dialect)} is not one of ${DIALECTS.join(", ")}`),
      );
    }
    registry.set(className, userClass(expression, dialect as ExpressionDialect, problem));
  }
  return registry;
}

function userClass(
  expression: string,
  dialect: ExpressionDialect,
  problem: (message: string) => string,
): ConditionClass {
  let argCount: number;
  try {
    argCount = describeExpression(expression, dialect).argCount;
    // Compile once now, with stand-in args, so that a bad class fails when the file is loaded
    const condition = compileExpression(expression, dialect, { args: Array(argCount).fill("0") });
    if (argCount === 0) return noArgs(condition);
  } catch (error) {
    const ErrorClass = error instanceof RangeError ? RangeError : SyntaxError;
    throw new ErrorClass(problem((error as Error).message), { cause: error });
  }
  return (args) => {
    if (args === undefined || args.length < argCount) {
      throw new RangeError(`Needs ${argCount} args, got ${args?.length ?? 0}`);
    }
    return compileExpression(expression, dialect, { args });
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}
