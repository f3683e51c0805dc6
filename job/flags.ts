/**
 * The job's command line: exactly the Flink demo job's flags, plus documented extras with
 * defaults. Every problem is reported by flag name; passwords never appear in messages.
 *
 * @module
 */

import {
  assertSqlIdentifier,
  type EventFields,
  type EventFormat,
  type JdbcConfig,
  parseEventFields,
  parseJdbcUrl,
} from "../io/mod.ts";

/** Where events come from. */
export type SourceConfig =
  | {
    readonly type: "kafka";
    readonly brokers: string[];
    readonly topic: string;
    readonly group: string;
  }
  | { readonly type: "file"; readonly path: string };

/** Where rules come from (and, for databases, where matches go). */
export type RuleStoreConfig =
  | {
    readonly type: "mysql";
    readonly config: JdbcConfig;
    readonly url: string;
    readonly tableName: string;
  }
  | { readonly type: "sqlite"; readonly path: string; readonly tableName: string }
  | { readonly type: "directory"; readonly path: string };

/** The parsed command line. */
export interface JobFlags {
  readonly source: SourceConfig;
  readonly rules: RuleStoreConfig;
  readonly jdbcIntervalMs: number;
  readonly usingEventTime: boolean;
  readonly outOfOrdernessMs: number;
  readonly idleTimeoutMs: number;
  readonly startFrom: "earliest" | "latest";
  readonly matchTable: string;
  readonly eventFormat: EventFormat;
  /** `--eventFields`: column order and names of events; `null` is the demo's. */
  readonly eventFields: EventFields | null;
  readonly logFormat: "text" | "json";
  readonly metricsPort: number | null;
  readonly conditionClasses: string | null;
  readonly kafkaSessionTimeoutMs: number;
}

/** A command line that cannot start the job. */
export class UsageError extends Error {
  /** @param message which flag and what is wrong */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Printed with every usage error. */
export const USAGE =
  `Usage: edgecep [--kafkaBrokers HOSTS --inputTopic TOPIC --inputTopicGroup GROUP | --inputTopic FILE|-]
               (--jdbcUrl jdbc:mysql://HOST:PORT/DB?user=U&password=P | --jdbcUrl jdbc:sqlite:PATH | --rulesDir DIR)
               [--tableName TABLE] [--jdbcIntervalMs 3000] [--usingEventTime true|false]
Options with defaults:
  --outOfOrdernessMs 5000   how late an event may arrive in event time
  --idleTimeoutMs 10000     a Kafka partition silent this long stops holding the watermark back (0: never)
  --startFrom earliest      where a new consumer group starts: earliest or latest
  --matchTable match_results
  --eventFormat auto        csv (id,name,action,productionId,eventTime), json, or auto
  --eventFields LIST        CSV columns in order / JSON names, e.g. id,name=username,action,productionId=product_id,eventTime=event_time
  --logFormat text          text or json (one JSON object a line, on stderr)
  --metricsPort N           serve /metrics and /healthz on this port (off by default)
  --conditionClasses FILE   JSON file of extra condition classes (see README)
  --kafkaSessionTimeoutMs 30000  consumer group session timeout (a restarted job waits this long)
Subcommands: check-rule FILE|-   backtest --rule FILE --events FILE [--usingEventTime] [--explain]`;

const KNOWN = new Set([
  "kafkaBrokers",
  "inputTopic",
  "inputTopicGroup",
  "jdbcUrl",
  "tableName",
  "jdbcIntervalMs",
  "usingEventTime",
  "outOfOrdernessMs",
  "idleTimeoutMs",
  "startFrom",
  "matchTable",
  "eventFormat",
  "eventFields",
  "logFormat",
  "metricsPort",
  "conditionClasses",
  "rulesDir",
]);

/**
 * Reads `--name value` (or `--name=value`) pairs, as Flink's `ParameterTool.fromArgs` does.
 * @throws {UsageError} for unknown or repeated flags and missing values
 */
export function readFlagPairs(
  args: readonly string[],
  known: ReadonlySet<string> = KNOWN,
): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) {
      throw new UsageError(`Unexpected argument "${arg}": flags look like --name value`);
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!known.has(name)) throw new UsageError(`Unknown flag "--${name}"`);
    if (values.has(name)) throw new UsageError(`Flag "--${name}" is given twice`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      if (value === undefined || (value.startsWith("--") && value.length > 2)) {
        throw new UsageError(`Flag "--${name}" needs a value`);
      }
      i++;
    }
    values.set(name, value);
  }
  return values;
}

function required(values: Map<string, string>, name: string): string {
  const value = values.get(name);
  if (value === undefined || value === "") throw new UsageError(`${name} must be set!`);
  return value;
}

function integer(values: Map<string, string>, name: string, fallback: number, min: number): number {
  const raw = values.get(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`--${name} must be a whole number >= ${min}, got "${raw}"`);
  }
  return Number(raw);
}

function choice<T extends string>(
  values: Map<string, string>,
  name: string,
  allowed: readonly T[],
): T {
  const raw = values.get(name) ?? allowed[0]!;
  if (!allowed.includes(raw as T)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}

function eventFields(raw: string | undefined): EventFields | null {
  if (raw === undefined) return null;
  try {
    return parseEventFields(raw);
  } catch (error) {
    throw new UsageError(`--eventFields: ${(error as Error).message}`);
  }
}

/**
 * Parses the job's flags.
 * @param args the command line after the program name
 * @returns the job's configuration
 * @throws {UsageError} naming the flag and the problem (`<name> must be set!` when missing)
 */
export function parseJobFlags(args: readonly string[]): JobFlags {
  const values = readFlagPairs(args);
  const brokers = values.get("kafkaBrokers");
  let source: SourceConfig;
  if (brokers === undefined || brokers === "file:" || brokers === "-") {
    const path = brokers === "-" ? "-" : required(values, "inputTopic");
    source = { type: "file", path };
  } else {
    const list = brokers.split(",").map((b) => b.trim()).filter((b) => b !== "");
    for (const broker of list) {
      if (!/^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$/.test(broker)) {
        throw new UsageError(`--kafkaBrokers must be HOST:PORT[,HOST:PORT…], got "${broker}"`);
      }
    }
    source = {
      type: "kafka",
      brokers: list,
      topic: required(values, "inputTopic"),
      group: required(values, "inputTopicGroup"),
    };
  }

  let rules: RuleStoreConfig;
  const url = values.get("jdbcUrl");
  const dir = values.get("rulesDir");
  if (url !== undefined && dir !== undefined) {
    throw new UsageError("Give either --jdbcUrl or --rulesDir, not both");
  }
  if (dir !== undefined) rules = { type: "directory", path: dir };
  else {
    const jdbcUrl = required(values, "jdbcUrl");
    const tableName = required(values, "tableName");
    try {
      assertSqlIdentifier(tableName, "--tableName");
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (jdbcUrl.startsWith("jdbc:sqlite:")) {
      const path = jdbcUrl.slice("jdbc:sqlite:".length);
      if (path === "") throw new UsageError(`--jdbcUrl "jdbc:sqlite:" needs a file path`);
      rules = { type: "sqlite", path, tableName };
    } else {
      try {
        rules = { type: "mysql", config: parseJdbcUrl(jdbcUrl), url: jdbcUrl, tableName };
      } catch (error) {
        throw new UsageError(`--jdbcUrl: ${(error as Error).message}`);
      }
    }
  }

  const eventTime = (values.get("usingEventTime") ?? "false").toLowerCase();
  if (eventTime !== "true" && eventTime !== "false") {
    throw new UsageError(
      `--usingEventTime must be true or false, got "${values.get("usingEventTime")}"`,
    );
  }
  const matchTable = values.get("matchTable") ?? "match_results";
  try {
    assertSqlIdentifier(matchTable, "--matchTable");
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const metricsPort = values.has("metricsPort") ? integer(values, "metricsPort", 0, 1) : null;
  if (metricsPort !== null && metricsPort > 65535) {
    throw new UsageError(`--metricsPort must be <= 65535`);
  }
  return {
    source,
    rules,
    jdbcIntervalMs: integer(values, "jdbcIntervalMs", 3000, 1),
    usingEventTime: eventTime === "true",
    outOfOrdernessMs: integer(values, "outOfOrdernessMs", 5000, 0),
    idleTimeoutMs: integer(values, "idleTimeoutMs", 10_000, 0),
    startFrom: choice(values, "startFrom", ["earliest", "latest"] as const),
    matchTable,
    eventFormat: choice(values, "eventFormat", ["auto", "csv", "json"] as const),
    eventFields: eventFields(values.get("eventFields")),
    logFormat: choice(values, "logFormat", ["text", "json"] as const),
    metricsPort,
    conditionClasses: values.get("conditionClasses") ?? null,
    kafkaSessionTimeoutMs: integer(values, "kafkaSessionTimeoutMs", 30_000, 3_000),
  };
}
