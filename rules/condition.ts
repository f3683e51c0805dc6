/**
 * Compiles the `condition` (and `untilCondition`) objects of the dynamic-CEP JSON format.
 * Flink: `ConditionSpecStdDeserializer` and the `ConditionSpec` subclasses, which tell the kinds
 * apart the same way:
 *
 * - `null`: no condition (always true).
 * - `{"type": "AVIATOR" | "GROOVY", "expression": "..."}`: see `expression.ts`.
 * - `{"type": "CLASS", "className": "...", "nestedConditions": [...]}`, where `className` ends in
 *   `flink.cep.pattern.conditions.RichAndCondition` (2 nested), `RichOrCondition` (2 nested) or
 *   `RichNotCondition` (1 nested): what `where(a).where(b)`, `or(b)` and `notFollowedBy` build.
 * - `{"type": "CLASS", "className": "...SubtypeCondition", "subClassName": "a.b.SubEvent"}`: what
 *   `subtype(SubEvent.class)` builds. Events here are JSON records without a Java class, so, as in
 *   the conformance vectors, it tests the event's `type` field: `type == 'SubEvent'` (the simple
 *   name). Unlike Java's `instanceof`, a subclass of SubEvent does not pass.
 * - `{"type": "CLASS", "className": "...", "args": ["..."]}`: a condition class from the registry;
 *   `args` is optional.
 * - `{"type": "CUSTOM_ARGS", "className": "...", "args": "..."}`: the same classes, written as the
 *   demo's custom-args guide does (Ververica's `CustomArgCondition`), with `args` one string. The
 *   string is split at the commas that are outside quotes and brackets, each part trimmed:
 *   `"price > 10, vip"` is the args `["price > 10", "vip"]`, while `"string.contains(name, 'a,b')"`
 *   stays one arg; an empty string is no args.
 *
 * Fields the format does not use are ignored, as Flink ignores them.
 *
 * @module
 */

import type { Condition, Event } from "../engine/mod.ts";
import { compileExpression } from "./expression.ts";
import { describeComposite, describeSubtype, withMetadata } from "./_condition_signature.ts";
import type { ConditionRegistry } from "./condition_registry.ts";

export {
  type ConditionClass,
  type ConditionRegistry,
  DEFAULT_CONDITION_REGISTRY,
  loadConditionClasses,
  type LoadConditionClassesOptions,
} from "./condition_registry.ts";

/** Options for {@linkcode compileCondition}. */
export interface CompileConditionOptions {
  /** The condition classes that `CLASS` conditions may name. */
  readonly registry: ConditionRegistry;
  /** Where the condition is in the rule, for messages; defaults to `condition`. */
  readonly path?: string;
}

const TYPES = ["CLASS", "AVIATOR", "GROOVY", "CUSTOM_ARGS"];

/**
 * How deep `nestedConditions` may nest. Flink builds a nested condition per `where`/`or`, so real
 * rules stay a few levels deep; the limit turns an absurd rule into an error with its path rather
 * than a stack overflow.
 */
export const MAX_CONDITION_DEPTH = 64;
const CONDITIONS = "flink.cep.pattern.conditions.";
const COMPOSITES = [
  { kind: "and", suffix: `${CONDITIONS}RichAndCondition`, nested: 2 },
  { kind: "or", suffix: `${CONDITIONS}RichOrCondition`, nested: 2 },
  { kind: "not", suffix: `${CONDITIONS}RichNotCondition`, nested: 1 },
] as const;

/**
 * Compiles one condition object of a rule.
 *
 * @example
 * ```ts
 * const isView = compileCondition(
 *   { type: "AVIATOR", expression: "action == 0" },
 *   { registry: DEFAULT_CONDITION_REGISTRY },
 * );
 * ```
 *
 * @param json the parsed `condition` value
 * @param options the class registry and the condition's path in the rule
 * @returns the condition, or `null` for a `null` condition (always true)
 * @throws {TypeError} when a field has the wrong JSON type
 * @throws {RangeError} when `type` is unknown, a class is not in the registry, or the number of
 *   nested conditions or args is wrong
 * @throws {SyntaxError} when an expression is outside the supported subset
 *
 * Every message starts with `Condition at "<path>": ` and names the field, e.g.
 * `Condition at "nodes[1].condition": type "FOO" is not one of CLASS, AVIATOR, GROOVY, CUSTOM_ARGS`.
 */
export function compileCondition(
  json: unknown,
  options: CompileConditionOptions,
): Condition | null {
  if (json === null || json === undefined) return null;
  return compileNode(json, options.registry, options.path ?? "condition", 0);
}

function compileNode(
  json: unknown,
  registry: ConditionRegistry,
  path: string,
  depth: number,
): Condition {
  const at = `Condition at ${JSON.stringify(path)}`;
  if (depth > MAX_CONDITION_DEPTH) {
    throw new RangeError(`${at}: nestedConditions nest deeper than ${MAX_CONDITION_DEPTH} levels`);
  }
  if (!isRecord(json)) throw new TypeError(`${at}: expected an object, got ${describe(json)}`);
  const type = json.type;
  if (typeof type !== "string") {
    throw new TypeError(`${at}: "type" must be a string, got ${describe(type)}`);
  }
  if (!TYPES.includes(type)) {
    throw new RangeError(`${at}: type ${JSON.stringify(type)} is not one of ${TYPES.join(", ")}`);
  }
  if (type === "AVIATOR" || type === "GROOVY") {
    const expression = json.expression;
    if (typeof expression !== "string") {
      throw new TypeError(`${at}: "expression" must be a string, got ${describe(expression)}`);
    }
    return rethrowing(at, () => compileExpression(expression, type as "AVIATOR" | "GROOVY"));
  }
  const className = json.className;
  if (typeof className !== "string") {
    throw new TypeError(`${at}: "className" must be a string, got ${describe(className)}`);
  }
  const composite = COMPOSITES.find(({ suffix }) => className.endsWith(suffix));
  const nested = json.nestedConditions;
  if (nested !== undefined && nested !== null) {
    if (!Array.isArray(nested)) {
      throw new TypeError(`${at}: "nestedConditions" must be an array, got ${describe(nested)}`);
    }
    if (composite === undefined) {
      throw new RangeError(`${at}: class ${JSON.stringify(className)} takes no nestedConditions`);
    }
    if (nested.length !== composite.nested) {
      throw new RangeError(
        `${at}: class ${JSON.stringify(className)} takes ${composite.nested} nestedConditions, ` +
          `got ${nested.length}`,
      );
    }
    const parts = nested.map((n, i) =>
      compileNode(n, registry, `${path}.nestedConditions[${i}]`, depth + 1)
    );
    const left = parts[0]!;
    const right = parts[1]!;
    // Flink: RichAndCondition, RichOrCondition, RichNotCondition#filter
    const condition: Condition = composite.kind === "not"
      ? (event) => !left(event)
      : composite.kind === "and"
      ? (event) => left(event) && right(event)
      : (event) => left(event) || right(event);
    return withMetadata(condition, describeComposite(composite.kind, parts));
  }
  if (composite !== undefined) {
    throw new TypeError(`${at}: class ${JSON.stringify(className)} needs "nestedConditions"`);
  }
  const subClassName = json.subClassName;
  if (subClassName !== undefined && subClassName !== null) {
    return subtypeCondition(subClassName, at);
  }
  const factory = registry.get(className);
  if (factory === undefined) {
    throw new RangeError(`${at}: unknown condition class ${JSON.stringify(className)}`);
  }
  const args = type === "CUSTOM_ARGS" ? customArgs(json.args, at) : classArgs(json.args, at);
  const condition = rethrowing(`${at}: class ${JSON.stringify(className)}`, () => factory(args));
  // A class built from an expression is signed by it; any other is the same condition for the
  // same class and args. A class may hand out one function to many rules: sign a wrapper.
  if (condition.signature !== undefined) return condition;
  const signature = `CLASS:${className}${args === undefined ? "" : JSON.stringify(args)}`;
  return withMetadata((event) => condition(event), {
    signature,
    ...(condition.equalities === undefined ? {} : { equalities: condition.equalities }),
  });
}

// Flink's SubTypeConditionSpec ignores `className` and loads `subClassName`.
function subtypeCondition(subClassName: unknown, at: string): Condition {
  if (typeof subClassName !== "string") {
    throw new TypeError(`${at}: "subClassName" must be a string, got ${describe(subClassName)}`);
  }
  const simpleName = subClassName.slice(subClassName.lastIndexOf(".") + 1);
  const typeName = simpleName.slice(simpleName.lastIndexOf("$") + 1);
  if (typeName === "") {
    throw new RangeError(`${at}: subClassName ${JSON.stringify(subClassName)} has no class name`);
  }
  return withMetadata((event: Event) => event.type === typeName, describeSubtype(typeName));
}

// Flink reads each arg with JsonNode#asText, so numbers and booleans become their text.
function classArgs(args: unknown, at: string): string[] | undefined {
  if (args === undefined || args === null) return undefined;
  if (!Array.isArray(args)) {
    throw new TypeError(`${at}: "args" must be an array, got ${describe(args)}`);
  }
  return args.map((arg, i) => {
    if (typeof arg === "string") return arg;
    if ((typeof arg === "number" && Number.isFinite(arg)) || typeof arg === "boolean") {
      return String(arg);
    }
    throw new TypeError(`${at}: "args[${i}]" must be a string, got ${describe(arg)}`);
  });
}

// A CUSTOM_ARGS condition's one string, cut into the args a condition class takes.
function customArgs(args: unknown, at: string): string[] | undefined {
  if (args === undefined || args === null) return undefined;
  if (typeof args !== "string") {
    throw new TypeError(`${at}: "args" of CUSTOM_ARGS must be a string, got ${describe(args)}`);
  }
  return splitCustomArgs(args);
}

/**
 * Splits a CUSTOM_ARGS string at the commas outside quotes and brackets, trimming each part.
 *
 * @param text the `args` string
 * @returns the args; none for a blank string
 */
export function splitCustomArgs(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== "") {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last !== "" || parts.length > 0) parts.push(last);
  return parts;
}

// Keeps the error's class (SyntaxError, RangeError, TypeError) and puts the location first.
function rethrowing(prefix: string, build: () => Condition): Condition {
  try {
    return build();
  } catch (error) {
    const ErrorClass = error instanceof SyntaxError
      ? SyntaxError
      : error instanceof RangeError
      ? RangeError
      : error instanceof TypeError
      ? TypeError
      : undefined;
    if (ErrorClass === undefined) throw error;
    throw new ErrorClass(`${prefix}: ${(error as Error).message}`, { cause: error });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}
