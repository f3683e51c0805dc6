/**
 * `edgecep check-rule FILE|-`: validates a rule and prints it as the equivalent Flink Pattern API
 * chain, or the precise error. The file holds either the `pattern` JSON or a whole rule row
 * (`{"id", "version", "pattern", "function"}`, as in a rules directory).
 *
 * @module
 */

import { compileRuleRow } from "../job/mod.ts";
import {
  compileRule,
  formatPatternApi,
  type GraphSpec,
  parseRule,
  RuleValidationError,
} from "../rules/mod.ts";

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

/**
 * Runs the command.
 * @param args `[FILE|-]`
 * @returns the exit code: 0 valid, 1 invalid, 2 bad usage
 */
export async function checkRuleCommand(args: readonly string[]): Promise<number> {
  if (args.length !== 1) {
    console.error("Usage: edgecep check-rule FILE|-");
    return 2;
  }
  let text: string;
  try {
    text = await readInput(args[0]!);
  } catch (error) {
    console.error(`Cannot read "${args[0]}": ${(error as Error).message}`);
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
    let id = args[0] === "-" ? "stdin" : args[0]!;
    if (row !== null && typeof row === "object" && "pattern" in row && !("nodes" in row)) {
      id = String(row.id ?? id);
      compileRuleRow({
        id,
        version: Number(row.version ?? 1),
        pattern: typeof row.pattern === "string" || row.pattern === null
          ? row.pattern
          : JSON.stringify(row.pattern),
        function: typeof row.function === "string" ? row.function : null,
      });
      pattern = row.pattern;
    } else {
      compileRule({ id, pattern });
    }
    const root = parseRule(pattern);
    console.log(`Rule "${id}" is valid. As a Flink Pattern:`);
    console.log(formatPatternApi(root));
    console.log(describeSkipStrategy(root.graph!));
    return 0;
  } catch (error) {
    if (!(error instanceof RuleValidationError)) throw error;
    console.error(error.message);
    return 1;
  }
}
