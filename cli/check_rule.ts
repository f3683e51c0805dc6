/**
 * `edgecep check-rule [--conditionClasses FILE] [--eventFields LIST] FILE|-`: validates a rule
 * and prints it as the equivalent Flink Pattern API chain and the skip strategy that applies, or
 * the precise error. The file holds either the `pattern` JSON or a whole rule row
 * (`{"id", "version", "pattern", "function"}`, as in a rules directory). A condition reading a
 * field that events do not carry is a warning on stderr, with the fields they do carry.
 *
 * @module
 */

import {
  DEFAULT_EVENT_FIELDS,
  eventFieldNames,
  type EventFields,
  parseEventFields,
} from "../io/mod.ts";
import { compileRuleRow } from "../job/mod.ts";
import {
  compileRule,
  conditionFields,
  type ConditionRegistry,
  DEFAULT_CONDITION_REGISTRY,
  formatPatternApi,
  type GraphSpec,
  loadConditionClasses,
  type NodeSpec,
  parseRule,
  RuleValidationError,
} from "../rules/mod.ts";

const USAGE = "Usage: edgecep check-rule [--conditionClasses FILE] [--eventFields LIST] FILE|-";

async function readInput(path: string): Promise<string> {
  if (path !== "-") return await Deno.readTextFile(path);
  return await new Response(Deno.stdin.readable).text();
}

// Seed 001 names the field two ways, and a rule without it runs NO_SKIP: say which applies.
function describeSkipStrategy(graph: GraphSpec): string {
  const skip = graph.afterMatchStrategy;
  const strategy = "patternName" in skip ? `${skip.type} "${skip.patternName}"` : skip.type;
  return graph.afterMatchStrategyField === null
    ? `After-match skip strategy: ${strategy} (the graph names none)`
    : `After-match skip strategy: ${strategy} (from "${graph.afterMatchStrategyField}")`;
}

function warnUnknownFields(root: NodeSpec, fields: EventFields): void {
  const known = eventFieldNames(fields);
  for (const { path, field } of conditionFields(root)) {
    if (known.includes(field)) continue;
    console.error(
      `Warning: the condition at "${path}" reads field "${field}", which events do not carry ` +
        `(CSV events carry ${known.join(", ")}; JSON events also their other keys)`,
    );
  }
}

interface CheckRuleArgs {
  readonly path: string;
  readonly registry: ConditionRegistry;
  readonly fields: EventFields;
}

// Returns the arguments, or the exit code of a usage problem (already reported).
async function readArgs(args: readonly string[]): Promise<CheckRuleArgs | number> {
  const positional: string[] = [];
  let registry = DEFAULT_CONDITION_REGISTRY;
  let fields = DEFAULT_EVENT_FIELDS;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg !== "--conditionClasses" && arg !== "--eventFields") {
      positional.push(arg);
      continue;
    }
    const value = args[++i];
    if (value === undefined) {
      console.error(`Flag "${arg}" needs a value\n${USAGE}`);
      return 2;
    }
    try {
      if (arg === "--eventFields") fields = parseEventFields(value);
      else registry = loadConditionClasses(await Deno.readTextFile(value));
    } catch (error) {
      console.error(`${arg} "${value}": ${(error as Error).message}`);
      return 2;
    }
  }
  if (positional.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  return { path: positional[0]!, registry, fields };
}

/**
 * Runs the command.
 * @param args `[--conditionClasses FILE] [--eventFields LIST] FILE|-`
 * @returns the exit code: 0 valid, 1 invalid, 2 bad usage
 */
export async function checkRuleCommand(args: readonly string[]): Promise<number> {
  const parsed = await readArgs(args);
  if (typeof parsed === "number") return parsed;
  const { path, registry, fields } = parsed;
  let text: string;
  try {
    text = await readInput(path);
  } catch (error) {
    console.error(`Cannot read "${path}": ${(error as Error).message}`);
    return 2;
  }
  try {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text; // compileRule reports the JSON error with the rule id
    }
    const row = json as Record<string, unknown> | null;
    let pattern: unknown = json;
    let id = path === "-" ? "stdin" : path;
    if (row !== null && typeof row === "object" && "pattern" in row && !("nodes" in row)) {
      id = String(row.id ?? id);
      compileRuleRow(
        {
          id,
          version: Number(row.version ?? 1),
          pattern: typeof row.pattern === "string" || row.pattern === null
            ? row.pattern
            : JSON.stringify(row.pattern),
          function: typeof row.function === "string" ? row.function : null,
        },
        registry,
      );
      pattern = row.pattern;
    } else {
      compileRule({ id, pattern }, { registry });
    }
    const root = parseRule(pattern);
    console.log(`Rule "${id}" is valid. As a Flink Pattern:`);
    console.log(formatPatternApi(root));
    console.log(describeSkipStrategy(root.graph!));
    warnUnknownFields(root, fields);
    return 0;
  } catch (error) {
    if (!(error instanceof RuleValidationError)) throw error;
    console.error(error.message);
    return 1;
  }
}
