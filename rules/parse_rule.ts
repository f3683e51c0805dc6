/**
 * Reads the dynamic-CEP JSON rule format (seed document 001) into typed specs, checking the
 * shape of every field. Flink-level validity (what the Pattern API would refuse) is checked by
 * `validate_rule.ts`.
 *
 * @module
 */

import type {
  AfterMatchSkipStrategy,
  ConsumingStrategy,
  InnerConsumingStrategy,
  QuantifierProperty,
  WithinType,
} from "../engine/mod.ts";

/** Flink: `QuantifierSpec`. */
export interface QuantifierSpec {
  readonly consumingStrategy: InnerConsumingStrategy;
  readonly properties: readonly QuantifierProperty[];
  readonly times:
    | { readonly from: number; readonly to: number; readonly windowMs: number | null }
    | null;
  readonly untilCondition: unknown;
}

/** Flink: `NodeSpec` (ATOMIC) or `GraphSpec` (COMPOSITE). */
export interface NodeSpec {
  readonly path: string;
  readonly name: string;
  readonly type: "ATOMIC" | "COMPOSITE";
  readonly quantifier: QuantifierSpec;
  /** The raw condition JSON, compiled later; `null` means always true. */
  readonly condition: unknown;
  readonly graph: GraphSpec | null;
}

/** Flink: `EdgeSpec`. */
export interface EdgeSpec {
  readonly path: string;
  readonly source: string;
  readonly target: string;
  readonly type: ConsumingStrategy;
}

/** Flink: `GraphSpec` without its own node fields. */
export interface GraphSpec {
  readonly nodes: readonly NodeSpec[];
  readonly edges: readonly EdgeSpec[];
  readonly window: { readonly type: WithinType; readonly ms: number } | null;
  readonly afterMatchStrategy: AfterMatchSkipStrategy;
  /** The field the strategy was read from, or `null` when the graph names none (NO_SKIP). */
  readonly afterMatchStrategyField: AfterMatchStrategyField | null;
}

/** The two names the rule format uses for the after-match skip strategy (see parseGraph). */
export type AfterMatchStrategyField = "afterMatchStrategy" | "afterMatchSkipStrategy";

/**
 * How deep COMPOSITE nodes may nest inside each other. Real rules nest one or two groups; the
 * limit keeps every recursive walk of a rule (parsing, validation, the NFA compiler, printing)
 * far from the call stack's end, so a deep rule is refused with its path instead of failing with
 * "Maximum call stack size exceeded".
 */
export const MAX_NESTING_DEPTH = 32;

/** A problem found while reading, before the rule id is attached. */
export class RuleShapeError extends Error {
  readonly path: string;
  /** @param path JSON path @param problem what is wrong */
  constructor(path: string, problem: string) {
    super(problem);
    this.name = "RuleShapeError";
    this.path = path;
  }
}

const UNIT_MS: Record<string, number> = {
  MILLISECONDS: 1,
  SECONDS: 1_000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
  DAYS: 86_400_000,
};
const EDGE_TYPES = ["STRICT", "SKIP_TILL_NEXT", "SKIP_TILL_ANY", "NOT_NEXT", "NOT_FOLLOW"];
const INNER_TYPES = ["STRICT", "SKIP_TILL_NEXT", "SKIP_TILL_ANY"];
const PROPERTIES = ["SINGLE", "LOOPING", "TIMES", "OPTIONAL", "GREEDY"];
const SKIPS = ["NO_SKIP", "SKIP_TO_NEXT", "SKIP_PAST_LAST_EVENT", "SKIP_TO_FIRST", "SKIP_TO_LAST"];

type Json = Record<string, unknown>;

function object(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RuleShapeError(path, `expected an object, got ${describe(value)}`);
  }
  return value as Json;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `"${value}"`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

/** Joins a JSON path and a key, so errors read `nodes[0].name` and not `.nodes[0].name`. */
export function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function field(json: Json, key: string, _path: string): unknown {
  return Object.hasOwn(json, key) ? json[key] : undefined;
}

function oneOf<T extends string>(value: unknown, allowed: readonly string[], path: string): T {
  if (typeof value !== "string" || !allowed.includes(value)) {
    throw new RuleShapeError(path, `${describe(value)} is not one of ${allowed.join(", ")}`);
  }
  return value as T;
}

function positiveInteger(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new RuleShapeError(
      path,
      `expected a whole number greater than 0, got ${describe(value)}`,
    );
  }
  return value;
}

/** `{unit, size}` to milliseconds. */
function duration(value: unknown, path: string): number {
  const json = object(value, path);
  const unit = oneOf<string>(field(json, "unit", path), Object.keys(UNIT_MS), join(path, `unit`));
  return positiveInteger(field(json, "size", path), join(path, `size`)) * UNIT_MS[unit]!;
}

function parseQuantifier(value: unknown, path: string): QuantifierSpec {
  const json = object(value, path);
  const consumingStrategy = oneOf<InnerConsumingStrategy>(
    field(json, "consumingStrategy", path),
    INNER_TYPES,
    join(path, `consumingStrategy`),
  );
  const rawProperties = field(json, "properties", path);
  if (!Array.isArray(rawProperties)) {
    throw new RuleShapeError(
      join(path, `properties`),
      `expected an array, got ${describe(rawProperties)}`,
    );
  }
  const properties = rawProperties.map((p, i) =>
    oneOf<QuantifierProperty>(p, PROPERTIES, join(path, `properties[${i}]`))
  );
  const rawTimes = field(json, "times", path) ?? null;
  let times: QuantifierSpec["times"] = null;
  if (rawTimes !== null) {
    const t = object(rawTimes, join(path, `times`));
    const window = field(t, "windowTime", path) ?? null;
    times = {
      from: positiveInteger(field(t, "from", path), join(path, `times.from`)),
      to: positiveInteger(field(t, "to", path), join(path, `times.to`)),
      windowMs: window === null ? null : duration(window, join(path, `times.windowTime`)),
    };
  }
  return {
    consumingStrategy,
    properties,
    times,
    untilCondition: field(json, "untilCondition", path) ?? null,
  };
}

function parseAfterMatch(value: unknown, path: string): AfterMatchSkipStrategy {
  const json = object(value, path);
  const type = oneOf<AfterMatchSkipStrategy["type"]>(
    field(json, "type", path),
    SKIPS,
    join(path, `type`),
  );
  const patternName = field(json, "patternName", path) ?? null;
  if (type === "SKIP_TO_FIRST" || type === "SKIP_TO_LAST") {
    if (typeof patternName !== "string" || patternName === "") {
      throw new RuleShapeError(join(path, `patternName`), `${type} needs the name of a pattern`);
    }
    return { type, patternName };
  }
  if (patternName !== null) {
    throw new RuleShapeError(
      join(path, `patternName`),
      `patternName is only used by SKIP_TO_FIRST and SKIP_TO_LAST, not by ${type}`,
    );
  }
  return { type };
}

function parseNode(value: unknown, path: string, depth: number): NodeSpec {
  const json = object(value, path);
  const name = field(json, "name", path);
  if (typeof name !== "string" || name === "") {
    throw new RuleShapeError(
      `${join(path, "name")}`,
      `expected a non-empty string, got ${describe(name)}`,
    );
  }
  const type = oneOf<"ATOMIC" | "COMPOSITE">(
    field(json, "type", path),
    ["ATOMIC", "COMPOSITE"],
    join(path, `type`),
  );
  const quantifier = parseQuantifier(field(json, "quantifier", path), join(path, `quantifier`));
  const condition = field(json, "condition", path) ?? null;
  return {
    path,
    name,
    type,
    quantifier,
    condition,
    graph: type === "COMPOSITE" ? parseGraph(json, path, depth) : null,
  };
}

// Flink's GraphSpec deserializer does not read `version`: users bump it with the rule's version,
// and no later format changes what a field means, so any value is accepted and ignored.
function parseGraph(json: Json, path: string, depth: number): GraphSpec {
  const at = (key: string) => (path === "" ? key : join(path, `${key}`));
  if (depth > MAX_NESTING_DEPTH) {
    throw new RuleShapeError(
      path,
      `COMPOSITE nodes nest deeper than ${MAX_NESTING_DEPTH} levels`,
    );
  }
  const rawNodes = field(json, "nodes", path);
  if (!Array.isArray(rawNodes) || rawNodes.length === 0) {
    throw new RuleShapeError(at("nodes"), `expected a non-empty array, got ${describe(rawNodes)}`);
  }
  const nodes = rawNodes.map((n, i) => parseNode(n, at(`nodes[${i}]`), depth + 1));
  const rawEdges = field(json, "edges", path) ?? [];
  if (!Array.isArray(rawEdges)) {
    throw new RuleShapeError(at("edges"), `expected an array, got ${describe(rawEdges)}`);
  }
  const edges = rawEdges.map((e, i): EdgeSpec => {
    const edgePath = at(`edges[${i}]`);
    const edge = object(e, edgePath);
    const source = field(edge, "source", edgePath);
    const target = field(edge, "target", edgePath);
    if (typeof source !== "string") {
      throw new RuleShapeError(
        `${edgePath}.source`,
        `expected a node name, got ${describe(source)}`,
      );
    }
    if (typeof target !== "string") {
      throw new RuleShapeError(
        `${edgePath}.target`,
        `expected a node name, got ${describe(target)}`,
      );
    }
    const type = oneOf<ConsumingStrategy>(
      field(edge, "type", edgePath),
      EDGE_TYPES,
      `${edgePath}.type`,
    );
    return { path: edgePath, source, target, type };
  });
  const rawWindow = field(json, "window", path) ?? null;
  let window: GraphSpec["window"] = null;
  if (rawWindow !== null) {
    const w = object(rawWindow, at("window"));
    window = {
      type: oneOf<WithinType>(
        field(w, "type", path),
        ["FIRST_AND_LAST", "PREVIOUS_AND_CURRENT"],
        at("window.type"),
      ),
      ms: duration(field(w, "time", path), at("window.time")),
    };
  }
  return { nodes, edges, window, ...parseSkipFields(json, at) };
}

/**
 * Seed 001's GraphNode table names the field `afterMatchSkipStrategy`, its examples (and Flink's
 * GraphSpec) `afterMatchStrategy`: both are read, and a graph giving both must give the same.
 */
function parseSkipFields(
  json: Json,
  at: (key: string) => string,
): Pick<GraphSpec, "afterMatchStrategy" | "afterMatchStrategyField"> {
  const read = (key: AfterMatchStrategyField) => {
    const raw = field(json, key, "") ?? null;
    return raw === null ? null : parseAfterMatch(raw, at(key));
  };
  const short = read("afterMatchStrategy");
  const long = read("afterMatchSkipStrategy");
  if (short !== null && long !== null && JSON.stringify(short) !== JSON.stringify(long)) {
    throw new RuleShapeError(
      at("afterMatchSkipStrategy"),
      `afterMatchSkipStrategy ${JSON.stringify(long)} differs from afterMatchStrategy ` +
        JSON.stringify(short),
    );
  }
  if (short !== null) {
    return { afterMatchStrategy: short, afterMatchStrategyField: "afterMatchStrategy" };
  }
  if (long !== null) {
    return { afterMatchStrategy: long, afterMatchStrategyField: "afterMatchSkipStrategy" };
  }
  return { afterMatchStrategy: { type: "NO_SKIP" }, afterMatchStrategyField: null };
}

/**
 * Reads a rule's `pattern` column.
 * @param pattern the JSON text, or an already parsed value
 * @returns the top-level graph node
 * @throws {RuleShapeError} naming the JSON path and the problem
 */
export function parseRule(pattern: unknown): NodeSpec {
  let json = pattern;
  if (typeof pattern === "string") {
    try {
      json = JSON.parse(pattern);
    } catch (error) {
      throw new RuleShapeError("", `pattern is not valid JSON: ${(error as Error).message}`);
    }
  }
  const root = parseNode(json, "", 0);
  if (root.type !== "COMPOSITE") {
    throw new RuleShapeError("type", `the top-level node must be COMPOSITE, got "${root.type}"`);
  }
  return root;
}
