/**
 * Builders for rule JSON in the dynamic-CEP format, so tests state patterns briefly.
 */

/** Options of one ATOMIC node. */
export interface NodeOptions {
  readonly properties?: string[];
  readonly times?:
    | { from: number; to: number; windowTime?: { unit: string; size: number } | null }
    | null;
  readonly inner?: "STRICT" | "SKIP_TILL_NEXT" | "SKIP_TILL_ANY";
  readonly until?: string | null;
}

/** An ATOMIC node whose condition is an Aviator expression (`null`: always true). */
export function atomic(name: string, expression: string | null, options: NodeOptions = {}) {
  return {
    name,
    type: "ATOMIC",
    quantifier: {
      consumingStrategy: options.inner ?? "SKIP_TILL_NEXT",
      properties: options.properties ?? ["SINGLE"],
      times: options.times === undefined ? null : options.times,
      untilCondition: options.until == null ? null : { type: "AVIATOR", expression: options.until },
    },
    condition: expression === null ? null : { type: "AVIATOR", expression },
  };
}

/** A COMPOSITE graph: nodes in sequence joined by the given edge types. */
export function sequence(
  nodes: ReturnType<typeof atomic>[],
  edgeTypes: string[],
  options: {
    window?: { type: string; ms: number };
    skip?: { type: string; patternName?: string };
  } = {},
) {
  const edges = edgeTypes.map((type, i) => ({
    source: nodes[i]!.name,
    target: nodes[i + 1]!.name,
    type,
  }));
  return {
    name: nodes[nodes.length - 1]!.name,
    type: "COMPOSITE",
    quantifier: {
      consumingStrategy: "SKIP_TILL_NEXT",
      properties: ["SINGLE"],
      times: null,
      untilCondition: null,
    },
    condition: null,
    nodes: [...nodes].reverse(),
    edges: edges.reverse(),
    window: options.window === undefined
      ? null
      : { type: options.window.type, time: { unit: "MILLISECONDS", size: options.window.ms } },
    afterMatchStrategy: {
      type: options.skip?.type ?? "NO_SKIP",
      patternName: options.skip?.patternName ?? null,
    },
    version: 1,
  };
}
