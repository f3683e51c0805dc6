/**
 * Prints a parsed rule as the equivalent Flink Pattern API chain, so a rule author can read
 * what a JSON rule means in the terms Flink's documentation uses.
 *
 * @module
 */

import type { GraphSpec, NodeSpec } from "./parse_rule.ts";

const UNITS: [number, string][] = [
  [86_400_000, "days"],
  [3_600_000, "hours"],
  [60_000, "minutes"],
  [1_000, "seconds"],
  [1, "milliseconds"],
];

function time(ms: number): string {
  const [size, unit] = UNITS.find(([size]) => ms % size === 0)!;
  return `Time.${unit}(${ms / size})`;
}

const quote = (s: string) => JSON.stringify(s);

/**
 * Formats a condition's JSON as the Flink condition object it stands for.
 * @param json a `condition` or `untilCondition` value (not `null`)
 * @returns Java source such as `new AviatorCondition<>("action == 0")`
 */
export function formatCondition(json: unknown): string {
  const c = json as Record<string, unknown>;
  if (c.type === "AVIATOR") return `new AviatorCondition<>(${quote(String(c.expression))})`;
  if (c.type === "GROOVY") return `new GroovyCondition<>(${quote(String(c.expression))})`;
  const simple = String(c.className).split(".").pop();
  if (Array.isArray(c.nestedConditions)) {
    return `new ${simple}<>(${c.nestedConditions.map(formatCondition).join(", ")})`;
  }
  if (typeof c.subClassName === "string") {
    return `new SubtypeCondition<>(${c.subClassName.split(".").pop()}.class)`;
  }
  // CUSTOM_ARGS: Ververica's CustomArgCondition takes its args as one string
  const args = Array.isArray(c.args)
    ? `new String[] {${c.args.map((a) => quote(String(a))).join(", ")}}`
    : typeof c.args === "string"
    ? quote(c.args)
    : "";
  return `new ${simple}(${args})`;
}

function quantifier(node: NodeSpec): string {
  const q = node.quantifier;
  const props = new Set(q.properties);
  let out = "";
  if (props.has("LOOPING")) {
    const window = q.times?.windowMs == null ? "" : `, ${time(q.times.windowMs)}`;
    out += q.times!.from === 1 && window === ""
      ? ".oneOrMore()"
      : `.timesOrMore(${q.times!.from}${window})`;
  } else if (props.has("TIMES")) {
    const t = q.times!;
    const window = t.windowMs === null ? "" : `, ${time(t.windowMs)}`;
    out += t.from === t.to ? `.times(${t.from}${window})` : `.times(${t.from}, ${t.to}${window})`;
  }
  if (props.has("OPTIONAL")) out += ".optional()";
  if (!props.has("SINGLE")) {
    if (q.consumingStrategy === "STRICT") out += ".consecutive()";
    if (q.consumingStrategy === "SKIP_TILL_ANY") out += ".allowCombinations()";
  }
  if (props.has("GREEDY")) out += ".greedy()";
  if (q.untilCondition !== null) out += `\n    .until(${formatCondition(q.untilCondition)})`;
  return out;
}

const EDGE_METHOD: Record<string, string> = {
  STRICT: "next",
  SKIP_TILL_NEXT: "followedBy",
  SKIP_TILL_ANY: "followedByAny",
  NOT_NEXT: "notNext",
  NOT_FOLLOW: "notFollowedBy",
};

const SKIP_METHOD: Record<string, string> = {
  SKIP_TO_NEXT: "skipToNext()",
  SKIP_PAST_LAST_EVENT: "skipPastLastEvent()",
};

function ordered(graph: GraphSpec): { node: NodeSpec; edge: string | null }[] {
  const targets = new Set(graph.edges.map((e) => e.target));
  let node = graph.nodes.find((n) => !targets.has(n.name));
  const out: { node: NodeSpec; edge: string | null }[] = [];
  let edge: string | null = null;
  while (node !== undefined && out.length < graph.nodes.length) {
    out.push({ node, edge });
    const next = graph.edges.find((e) => e.source === node!.name);
    if (next === undefined) break;
    edge = next.type;
    node = graph.nodes.find((n) => n.name === next.target);
  }
  return out;
}

function sequence(graph: GraphSpec, indent: string, top: boolean): string {
  let out = "";
  for (const [i, { node, edge }] of ordered(graph).entries()) {
    const target = node.graph === null
      ? quote(node.name)
      : sequence(node.graph, indent + "    ", false);
    if (i === 0) {
      const skip = graph.afterMatchStrategy;
      const strategy = !top || skip.type === "NO_SKIP"
        ? ""
        : `, AfterMatchSkipStrategy.${
          SKIP_METHOD[skip.type] ??
            `${skip.type === "SKIP_TO_FIRST" ? "skipToFirst" : "skipToLast"}(${
              quote((skip as { patternName: string }).patternName)
            })`
        }`;
      out += `Pattern.<Event>begin(${target}${strategy})`;
    } else {
      out += `\n${indent}.${EDGE_METHOD[edge!]}(${target})`;
    }
    if (node.graph === null && node.condition !== null) {
      out += `\n${indent}.where(${formatCondition(node.condition)})`;
    }
    const q = quantifier(node);
    if (q !== "") out += `\n${indent}${q.replaceAll("\n    ", `\n${indent}`)}`;
  }
  if (graph.window !== null) {
    const type = graph.window.type === "FIRST_AND_LAST" ? "" : ", WithinType.PREVIOUS_AND_CURRENT";
    out += `\n${indent}.within(${time(graph.window.ms)}${type})`;
  }
  return out;
}

/**
 * Formats a rule as a Flink Pattern API chain.
 * @param root the parsed top-level node (from `parseRule`)
 * @returns Java source such as `Pattern.<Event>begin("start").where(…).timesOrMore(3)…`
 */
export function formatPatternApi(root: NodeSpec): string {
  return sequence(root.graph!, "    ", true) + ";";
}
