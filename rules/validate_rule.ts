/**
 * Turns a parsed rule into the engine's pattern model, enforcing what Flink's Pattern API and
 * `GraphSpec#toPattern` enforce, then compiles it once so that compiler errors surface at load.
 *
 * @module
 */

import {
  compileNfa,
  type Condition,
  type ConsumingStrategy,
  MalformedPatternError,
  type Pattern,
  type PatternDefinition,
  type QuantifierProperty,
  type WithinType,
} from "../engine/mod.ts";
import { type GraphSpec, join, type NodeSpec, RuleShapeError } from "./parse_rule.ts";

/**
 * The largest `times.from` / `times.to` a rule may give. Each iteration up to it is a state of
 * the compiled NFA (Flink: `NFACompiler#createTimesState`), and an open run may hold that many
 * events; `times` 100000 took minutes of CPU to compile. Real rules count a few to a few hundred.
 */
export const MAX_TIMES = 1000;

/** Compiles a condition's JSON found at `path`; `null` JSON means always true. */
export type ConditionCompiler = (json: unknown, path: string) => Condition | null;

type MutablePattern = { -readonly [K in keyof Pattern]: Pattern[K] } & {
  window: Partial<Record<WithinType, number>>;
};

const fail = (path: string, problem: string): never => {
  throw new RuleShapeError(path, problem);
};

/**
 * Builds and checks the pattern of a parsed rule.
 * @param root the top-level COMPOSITE node
 * @param compileCondition compiles condition JSON
 * @returns the pattern and its after-match skip strategy
 * @throws {RuleShapeError} for what Flink's Pattern API would refuse, naming node and problem
 * @throws {MalformedPatternError} for what Flink's NFA compiler refuses
 */
export function buildPattern(
  root: NodeSpec,
  compileCondition: ConditionCompiler,
): PatternDefinition {
  if (root.condition !== null) fail("condition", "the top-level graph cannot have a condition");
  const graph = root.graph!;
  const definition = {
    last: buildSequence(graph, "", compileCondition),
    afterMatchSkipStrategy: graph.afterMatchStrategy,
  };
  compileNfa(definition);
  return definition;
}

/** Orders the nodes of one graph level along its edges. Flink: `GraphSpec#toPattern`. */
function chain(graph: GraphSpec, path: string): { node: NodeSpec; strategy: ConsumingStrategy }[] {
  const byName = new Map<string, NodeSpec>();
  for (const node of graph.nodes) {
    if (byName.has(node.name)) {
      fail(join(node.path, "name"), `node name "${node.name}" is used twice`);
    }
    byName.set(node.name, node);
  }
  const outgoing = new Map<string, (typeof graph.edges)[number]>();
  const incoming = new Set<string>();
  for (const edge of graph.edges) {
    if (!byName.has(edge.source)) fail(`${edge.path}.source`, `no node is named "${edge.source}"`);
    if (!byName.has(edge.target)) fail(`${edge.path}.target`, `no node is named "${edge.target}"`);
    if (outgoing.has(edge.source)) {
      fail(
        edge.path,
        `node "${edge.source}" has more than one outgoing edge: a rule is one sequence`,
      );
    }
    if (incoming.has(edge.target)) {
      fail(
        edge.path,
        `node "${edge.target}" has more than one incoming edge: a rule is one sequence`,
      );
    }
    outgoing.set(edge.source, edge);
    incoming.add(edge.target);
  }
  const begins = graph.nodes.filter((n) => !incoming.has(n.name));
  if (begins.length !== 1) {
    fail(
      join(path, "edges"),
      `there must be exactly one begin node, but ${begins.length} nodes have no incoming edge` +
        (begins.length > 0 ? ` (${begins.map((n) => `"${n.name}"`).join(", ")})` : ""),
    );
  }
  const order: { node: NodeSpec; strategy: ConsumingStrategy }[] = [];
  let strategy: ConsumingStrategy = "STRICT";
  for (let node: NodeSpec | undefined = begins[0]; node !== undefined;) {
    order.push({ node, strategy });
    const edge = outgoing.get(node.name);
    if (edge === undefined) break;
    strategy = edge.type;
    node = byName.get(edge.target);
  }
  for (const node of graph.nodes) {
    if (!order.some((o) => o.node === node)) {
      fail(node.path, `node "${node.name}" is not connected to the sequence of the begin node`);
    }
  }
  return order;
}

function buildSequence(graph: GraphSpec, path: string, compile: ConditionCompiler): Pattern {
  let previous: MutablePattern | null = null;
  for (const { node, strategy } of chain(graph, path)) {
    previous = buildNode(node, strategy, previous, compile);
  }
  if (graph.window !== null) previous!.window[graph.window.type] = graph.window.ms;
  return previous!;
}

function buildNode(
  node: NodeSpec,
  strategy: ConsumingStrategy,
  previous: MutablePattern | null,
  compile: ConditionCompiler,
): MutablePattern {
  const q = node.quantifier;
  const at = (key: string) => join(node.path, key);
  const named = `node "${node.name}"`;
  const properties = new Set<QuantifierProperty>();
  for (const p of q.properties) {
    if (properties.has(p)) fail(at("quantifier.properties"), `${named} lists ${p} twice`);
    properties.add(p);
  }
  const kinds = ["SINGLE", "LOOPING", "TIMES"].filter((k) =>
    properties.has(k as QuantifierProperty)
  );
  if (kinds.length !== 1) {
    fail(
      at("quantifier.properties"),
      `${named} needs exactly one of SINGLE, LOOPING, TIMES, got ${kinds.length}`,
    );
  }
  const single = properties.has("SINGLE");
  if (single && q.times !== null) fail(at("quantifier.times"), `${named} is SINGLE but has times`);
  if (!single && q.times === null) {
    fail(at("quantifier.times"), `${named} is ${kinds[0]} and needs times`);
  }
  for (const bound of ["from", "to"] as const) {
    if (q.times !== null && q.times[bound] > MAX_TIMES) {
      fail(
        at(`quantifier.times.${bound}`),
        `${named} has times.${bound} ${q.times[bound]}, above the limit of ${MAX_TIMES}`,
      );
    }
  }
  if (q.times !== null && q.times.to < q.times.from) {
    fail(
      at("quantifier.times.to"),
      `${named} has times.to ${q.times.to} below times.from ${q.times.from}`,
    );
  }
  if (single && q.consumingStrategy !== "SKIP_TILL_NEXT") {
    // Flink: consecutive() and allowCombinations() apply only to looping/times patterns.
    fail(
      at("quantifier.consumingStrategy"),
      `${named}: ${q.consumingStrategy} applies only to LOOPING or TIMES`,
    );
  }
  if (properties.has("GREEDY")) {
    if (node.type === "COMPOSITE") {
      fail(at("quantifier.properties"), `${named}: GREEDY is not applicable to a group pattern`);
    }
    if (single) {
      fail(at("quantifier.properties"), `${named}: GREEDY is not applicable to a SINGLE pattern`);
    }
    if (q.consumingStrategy === "SKIP_TILL_ANY") {
      fail(at("quantifier.properties"), `${named}: GREEDY is not applicable with SKIP_TILL_ANY`);
    }
  }
  if (properties.has("OPTIONAL") && previous?.quantifier.properties.has("GREEDY")) {
    fail(
      at("quantifier.properties"),
      `${named}: an optional pattern cannot be preceded by a greedy pattern`,
    );
  }
  if (q.untilCondition !== null && !properties.has("LOOPING")) {
    fail(
      at("quantifier.untilCondition"),
      `${named}: an until condition applies only to a LOOPING pattern`,
    );
  }
  const isNot = strategy === "NOT_NEXT" || strategy === "NOT_FOLLOW";
  if (isNot) {
    if (node.type === "COMPOSITE") {
      fail(node.path, `${named}: a group pattern cannot be the target of ${strategy}`);
    }
    if (!single || properties.size > 1 || q.untilCondition !== null) {
      fail(
        at("quantifier"),
        `${named}: a ${strategy} pattern cannot have a quantifier, OPTIONAL, GREEDY or until`,
      );
    }
    if (previous?.quantifier.properties.has("OPTIONAL")) {
      fail(node.path, `${named}: an optional pattern cannot be followed by ${strategy}`);
    }
  }
  if (node.type === "COMPOSITE" && node.condition !== null) {
    fail(at("condition"), `${named}: a group pattern cannot have a condition`);
  }
  return {
    name: node.name,
    quantifier: {
      properties,
      consumingStrategy: strategy,
      innerConsumingStrategy: q.consumingStrategy,
    },
    times: q.times,
    condition: node.type === "COMPOSITE" ? null : compile(node.condition, at("condition")),
    untilCondition: q.untilCondition === null
      ? null
      : compile(q.untilCondition, at("quantifier.untilCondition")),
    window: {},
    previous,
    group: node.graph === null ? null : buildSequence(node.graph, node.path, compile),
  };
}

export { MalformedPatternError };
