/**
 * `edgecep backtest --rule FILE --events FILE [--usingEventTime] [--explain]`: runs one rule over
 * a recorded event file and prints every match; with `--explain`, what happened to each partial
 * match of each key (opened, advanced, discarded, stopped by a NOT pattern, timed out, pruned by
 * the skip strategy, matched), so an author sees why a rule did or did not fire.
 *
 * In processing time the recorded `eventTime` of each event stands in for its arrival time, so
 * windows behave as they would have when the events arrived.
 *
 * @module
 */

import {
  type Event,
  KeyedOperator,
  type OperatorOutput,
  type OperatorRunEvent,
  WatermarkTracker,
} from "../engine/mod.ts";
import { createEventParser, FileSource, parseEventFields } from "../io/mod.ts";
import {
  compileRuleRow,
  DEMO_PROCESS_FUNCTION,
  formatEvent,
  formatMatchLine,
  readFlagPairs,
  UsageError,
} from "../job/mod.ts";
import {
  conditionFields,
  DEFAULT_CONDITION_REGISTRY,
  formatCondition,
  loadConditionClasses,
  type NodeSpec,
  parseRule,
  RuleValidationError,
} from "../rules/mod.ts";

const USAGE = "Usage: edgecep backtest --rule FILE --events FILE [--usingEventTime true|false]" +
  " [--explain true|false] [--conditionClasses FILE] [--eventFields LIST]";

/** What `--explain` says of a pattern's condition: its Flink form and the fields it reads. */
interface PatternCondition {
  readonly text: string;
  readonly fields: readonly string[];
}

function patternConditions(root: NodeSpec): Map<string, PatternCondition> {
  const fieldsAt = new Map<string, string[]>();
  for (const { path, field } of conditionFields(root)) {
    fieldsAt.set(path, [...(fieldsAt.get(path) ?? []), field]);
  }
  const conditions = new Map<string, PatternCondition>();
  const visit = (node: NodeSpec) => {
    if (node.condition !== null) {
      const path = node.path === "" ? "condition" : `${node.path}.condition`;
      conditions.set(node.name, {
        text: formatCondition(node.condition),
        fields: fieldsAt.get(path) ?? [],
      });
    }
    node.graph?.nodes.forEach(visit);
  };
  visit(root);
  return conditions;
}

// "…" failed "end" (new AviatorCondition<>("price > 10"); the event has no field "price")
function describeRejection(
  patterns: readonly string[],
  event: Event,
  conditions: ReadonlyMap<string, PatternCondition>,
): string {
  return patterns.map((name) => {
    const condition = conditions.get(name);
    if (condition === undefined) return `"${name}" (no condition)`;
    const missing = condition.fields.filter((field) => !Object.hasOwn(event, field));
    const lacks = missing.length === 0
      ? ""
      : `; the event has no field ${missing.map((f) => `"${f}"`).join(", ")}`;
    return `"${name}" (${condition.text}${lacks})`;
  }).join(", ");
}

function describeRunEvent(
  e: OperatorRunEvent,
  conditions: ReadonlyMap<string, PatternCondition>,
): string {
  const started = `run started by ${formatEvent(e.start)}`;
  switch (e.type) {
    case "opened":
      return `opened: ${formatEvent(e.event)} taken by "${e.state}"`;
    case "advanced":
      return `advanced: ${formatEvent(e.event)} taken by "${e.state}" (${started})`;
    case "rejected":
      return `rejected at "${e.state}": ${formatEvent(e.event)} failed ${
        describeRejection(e.conditions, e.event, conditions)
      } (${started})`;
    case "discarded":
      return `discarded at "${e.state}": ${formatEvent(e.event)} cannot follow (${started})`;
    case "stopped":
      return `stopped at "${e.state}": ${formatEvent(e.event)} matched a NOT pattern (${started})`;
    case "timedOut":
      return `timed out at "${e.state}": its window expired (${started})`;
    case "pruned":
      return `pruned at "${e.state}" by the after-match skip strategy (${started})`;
    case "heldBack":
      return `held back: the match waits for the earlier run started by ${
        formatEvent(e.heldBy)
      }, open at "${e.heldByState}" (${started})`;
    case "matched":
      return `matched (${started})`;
  }
}

/**
 * Runs the command.
 * @returns the exit code: 0 done, 1 invalid rule, 2 bad usage
 */
export async function backtestCommand(args: readonly string[]): Promise<number> {
  let values: Map<string, string>;
  try {
    const normalized = args.flatMap((a, i) =>
      (a === "--explain" || a === "--usingEventTime") &&
        (args[i + 1] === undefined || args[i + 1]!.startsWith("--"))
        ? [a, "true"]
        : [a]
    );
    values = readFlagPairs(
      normalized,
      new Set([
        "rule",
        "events",
        "usingEventTime",
        "explain",
        "outOfOrdernessMs",
        "conditionClasses",
        "eventFields",
      ]),
    );
    for (const name of ["rule", "events"]) {
      if (!values.has(name)) throw new UsageError(`${name} must be set!`);
    }
    for (const name of ["usingEventTime", "explain"]) {
      const v = values.get(name);
      if (v !== undefined && v !== "true" && v !== "false") {
        throw new UsageError(`--${name} must be true or false, got "${v}"`);
      }
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${USAGE}`);
    return 2;
  }
  const eventTime = values.get("usingEventTime") === "true";
  const explain = values.get("explain") === "true";
  let registry = DEFAULT_CONDITION_REGISTRY;
  let parseEvent;
  let flag = "conditionClasses";
  try {
    const classes = values.get("conditionClasses");
    if (classes !== undefined) registry = loadConditionClasses(await Deno.readTextFile(classes));
    flag = "eventFields";
    const fields = values.get("eventFields");
    parseEvent = createEventParser({
      format: "auto",
      ...(fields === undefined ? {} : { fields: parseEventFields(fields) }),
    });
  } catch (error) {
    console.error(`--${flag}: ${(error as Error).message}`);
    return 2;
  }
  let definition;
  let ruleRef;
  let conditions: Map<string, PatternCondition>;
  try {
    const json = JSON.parse(await Deno.readTextFile(values.get("rule")!));
    const isRow = typeof json === "object" && json !== null && "pattern" in json &&
      !("nodes" in json);
    const row = isRow
      ? {
        id: String(json.id ?? "1"),
        version: Number(json.version ?? 1),
        pattern: JSON.stringify(json.pattern),
        function: json.function ?? null,
      }
      : { id: "1", version: 1, pattern: JSON.stringify(json), function: DEMO_PROCESS_FUNCTION };
    definition = compileRuleRow(row, registry);
    conditions = patternConditions(parseRule(row.pattern));
    ruleRef = { id: row.id, version: row.version };
  } catch (error) {
    console.error(
      error instanceof RuleValidationError
        ? error.message
        : `Cannot read rule: ${(error as Error).message}`,
    );
    return error instanceof RuleValidationError ? 1 : 2;
  }
  const operator = new KeyedOperator({
    timeBehaviour: eventTime ? "EventTime" : "ProcessingTime",
    ...(explain
      ? {
        listener: (e: OperatorRunEvent) =>
          console.log(`  [key ${e.key}] ${describeRunEvent(e, conditions)}`),
      }
      : {}),
  });
  operator.setRule(ruleRef, definition);
  const watermarks = new WatermarkTracker({
    outOfOrdernessMs: Number(values.get("outOfOrdernessMs") ?? 5000),
    idleTimeoutMs: 0,
  });
  const totals = { events: 0, malformed: 0, late: 0, matches: 0 };
  const emit = (out: OperatorOutput) => {
    totals.late += out.late;
    for (const m of out.matches) {
      totals.matches++;
      console.log(formatMatchLine(m));
    }
  };
  const tty = Deno.stderr.isTerminal();
  const source = new FileSource(values.get("events")!);
  try {
    for await (const batch of source) {
      // A file source announces no assignment unless asked to.
      if (batch.type !== "batch") continue;
      for (const [i, value] of batch.values.entries()) {
        let event;
        try {
          event = parseEvent(value ?? "");
          if (typeof event.eventTime !== "number") throw new TypeError("eventTime is missing");
        } catch (error) {
          totals.malformed++;
          console.error(
            `line ${Number(batch.offsets[i]) + 1}: skipped: ${(error as Error).message}`,
          );
          continue;
        }
        totals.events++;
        const ts = event.eventTime as number;
        if (explain) {
          console.log(`read ${formatEvent(event)}${eventTime ? " (waits for the watermark)" : ""}`);
        }
        emit(operator.processElement(`${event.id},${event.productionId}`, event, ts));
        if (eventTime) {
          watermarks.observe("file", ts, 0);
          emit(operator.advanceWatermark(watermarks.update(0)));
        }
        if (tty && totals.events % 100_000 === 0) {
          Deno.stderr.writeSync(
            new TextEncoder().encode(`\r${totals.events} events, ${totals.matches} matches`),
          );
        }
      }
    }
  } finally {
    await source.close();
  }
  emit(eventTime ? operator.advanceWatermark(Infinity) : operator.advanceProcessingTime(Infinity));
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
  console.error(
    `${totals.events} events, ${totals.matches} matches, ${totals.malformed} malformed, ${totals.late} late`,
  );
  return 0;
}
