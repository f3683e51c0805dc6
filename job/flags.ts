/**
 * The job's command line: exactly the Flink demo job's flags, plus documented extras with
 * defaults, each also read from its `EDGECEP_*` environment variable. Every problem is reported
 * by flag name; passwords never appear in messages.
 *
 * @module
 */

import {
  assertSqlIdentifier,
  type EventFields,
  type EventFormat,
  type JdbcConfig,
  type KafkaSasl,
  type LogLevel,
  parseEventFields,
} from "../io/mod.ts";
import { type FlagSpec, formatFlagTable, readFlags, UsageError } from "./_command_line.ts";
import {
  choice,
  integer,
  kafkaSourceConfig,
  mysqlConfig,
  required,
  requireWith,
} from "./_flag_values.ts";

export { envName, type FlagSpec, readFlagPairs, UsageError } from "./_command_line.ts";

/** Where events come from. */
export type SourceConfig =
  | {
    readonly type: "kafka";
    readonly brokers: string[];
    /** One or more topics, read in one consumer group. */
    readonly topics: string[];
    readonly group: string;
    readonly clientId: string;
    /** `--kafkaSecurityProtocol` SSL or SASL_SSL. */
    readonly tls: boolean;
    /** A PEM file of the CA(s) that verify the brokers; default the system's roots. */
    readonly caFile: string | null;
    /** `--kafkaSecurityProtocol` SASL_PLAINTEXT or SASL_SSL. */
    readonly sasl: KafkaSasl | null;
  }
  | { readonly type: "file"; readonly path: string };

/** Where rules come from (and, for databases, where matches go). */
export type RuleStoreConfig =
  | {
    readonly type: "mysql";
    /** The URL's settings, the password from `EDGECEP_JDBC_PASSWORD` when the URL has none. */
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
  readonly logLevel: LogLevel;
  readonly metricsPort: number | null;
  readonly conditionClasses: string | null;
  readonly kafkaSessionTimeoutMs: number;
  /** Time between checkpoints; 0 turns checkpoints off. */
  readonly checkpointIntervalMs: number;
  /** A key's partial matches for a rule are dropped after this long without an event; `null`: never. */
  readonly stateTtlMs: number | null;
  /** At most this many partial matches per key and rule, the oldest dropped; `null`: no cap. */
  readonly maxPartialMatchesPerKey: number | null;
}

/**
 * Every flag of the job, in the order `--help` lists them. A flag is one row here and one line in
 * {@link parseJobFlags}.
 */
export const JOB_FLAGS: readonly FlagSpec[] = [
  {
    name: "kafkaBrokers",
    value: "HOSTS",
    help: "HOST:PORT,...; absent or file: reads --inputTopic as a file, - reads stdin",
  },
  {
    name: "inputTopic",
    value: "TOPIC",
    help: "Kafka topic(s), comma-separated, or the event file",
  },
  { name: "inputTopicGroup", value: "GROUP", help: "consumer group (required with Kafka)" },
  {
    name: "jdbcUrl",
    value: "URL",
    help: "jdbc:mysql://HOST:PORT/DB?user=U (also jdbc:mariadb:), or jdbc:sqlite:PATH",
  },
  {
    name: "jdbcPassword",
    value: "",
    help: "the database password, when the URL has none",
    envOnly: true,
  },
  {
    name: "jdbcSslCaFile",
    value: "FILE",
    help: "PEM CA file verifying MySQL (with sslMode=VERIFY_CA or VERIFY_IDENTITY)",
  },
  { name: "tableName", value: "TABLE", help: "the rule table (required with --jdbcUrl)" },
  { name: "jdbcIntervalMs", value: "MS", default: "3000", help: "rule table poll interval" },
  {
    name: "usingEventTime",
    value: "BOOL",
    default: "false",
    help: "true: event time from eventTime; false: processing time",
  },
  { name: "rulesDir", value: "DIR", help: "a directory of rule files instead of a table" },
  {
    name: "outOfOrdernessMs",
    value: "MS",
    default: "5000",
    help: "how late an event may arrive in event time",
  },
  {
    name: "idleTimeoutMs",
    value: "MS",
    default: "10000",
    help: "a silent partition stops holding the watermark back (0: never)",
  },
  {
    name: "startFrom",
    value: "WHERE",
    default: "earliest",
    help: "where a new consumer group starts: earliest or latest",
  },
  { name: "matchTable", value: "TABLE", default: "match_results", help: "the result table" },
  {
    name: "eventFormat",
    value: "FORMAT",
    default: "auto",
    help: "csv (id,name,action,productionId,eventTime), json, or auto",
  },
  {
    name: "eventFields",
    value: "LIST",
    help: "CSV columns in order / JSON names, e.g. " +
      "id,name=username,action,productionId=product_id,eventTime=event_time",
  },
  { name: "logFormat", value: "FORMAT", default: "text", help: "text or json (on stderr)" },
  { name: "logLevel", value: "LEVEL", default: "info", help: "debug, info, warn or error" },
  {
    name: "metricsPort",
    value: "PORT",
    default: "off",
    help: "serve /metrics, /healthz and /readyz on this port",
  },
  {
    name: "conditionClasses",
    value: "FILE",
    help: "JSON file of extra condition classes (see README)",
  },
  {
    name: "kafkaSessionTimeoutMs",
    value: "MS",
    default: "30000",
    help: "consumer group session timeout (a restarted job waits this long)",
  },
  {
    name: "checkpointIntervalMs",
    value: "MS",
    default: "5000",
    help: "time between checkpoints of state and offsets to the database (0: none)",
  },
  {
    name: "stateTtlMs",
    value: "MS",
    default: "off",
    help: "drop a key's partial matches after this long without an event",
  },
  {
    name: "maxPartialMatchesPerKey",
    value: "N",
    default: "off",
    help: "keep at most N partial matches per key and rule, dropping the oldest",
  },
  { name: "kafkaClientId", value: "ID", default: "edgecep", help: "Kafka client.id" },
  {
    name: "kafkaSecurityProtocol",
    value: "PROTOCOL",
    default: "PLAINTEXT",
    help: "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL",
  },
  {
    name: "kafkaSaslMechanism",
    value: "MECHANISM",
    default: "PLAIN",
    help: "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512",
  },
  { name: "kafkaSaslUsername", value: "USER", help: "SASL user name" },
  { name: "kafkaSaslPassword", value: "", help: "SASL password", envOnly: true },
  { name: "kafkaSslCaFile", value: "FILE", help: "PEM CA file verifying the brokers" },
];

/** Printed with every usage error. */
export const USAGE =
  `Usage: edgecep [--kafkaBrokers HOSTS --inputTopic TOPIC[,TOPIC...] --inputTopicGroup GROUP | --inputTopic FILE|-]
               (--jdbcUrl jdbc:mysql://HOST:PORT/DB?user=U | --jdbcUrl jdbc:sqlite:PATH | --rulesDir DIR)
               [--tableName TABLE] [--jdbcIntervalMs 3000] [--usingEventTime true|false] [more flags]
       edgecep check-rule FILE|-
       edgecep backtest --rule FILE --events FILE [--usingEventTime] [--explain]
       edgecep --help | --version`;

/**
 * The `--help` text: the usage, then every flag with its default and environment variable.
 * @returns the text
 */
export function helpText(): string {
  return `${USAGE}

Every flag may also come from its environment variable; a flag on the command line wins.
Passwords come only from the environment (EDGECEP_JDBC_PASSWORD, EDGECEP_KAFKA_SASL_PASSWORD).

${formatFlagTable(JOB_FLAGS)}`;
}

/**
 * Parses the job's flags.
 * @param args the command line after the program name
 * @param options `env` looks up `EDGECEP_*` variables; default the process environment
 * @returns the job's configuration
 * @throws {UsageError} naming the flag and the problem (`<name> must be set!` when missing)
 */
export function parseJobFlags(
  args: readonly string[],
  options: { readonly env?: (name: string) => string | undefined } = {},
): JobFlags {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const values = readFlags(args, { flags: JOB_FLAGS, env });
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
    source = kafkaSourceConfig(values, list);
  }

  let rules: RuleStoreConfig;
  const url = values.get("jdbcUrl");
  const dir = values.get("rulesDir");
  if (url !== undefined && dir !== undefined) {
    throw new UsageError("Give either --jdbcUrl or --rulesDir, not both");
  }
  if (url === undefined || url.startsWith("jdbc:sqlite:")) {
    requireWith(values, ["jdbcSslCaFile"], "a jdbc:mysql: or jdbc:mariadb: --jdbcUrl");
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
      rules = { type: "mysql", config: mysqlConfig(values, jdbcUrl), url: jdbcUrl, tableName };
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
    logLevel: choice(values, "logLevel", ["info", "debug", "warn", "error"] as const),
    metricsPort,
    conditionClasses: values.get("conditionClasses") ?? null,
    kafkaSessionTimeoutMs: integer(values, "kafkaSessionTimeoutMs", 30_000, 3_000),
    checkpointIntervalMs: integer(values, "checkpointIntervalMs", 5_000, 0),
    stateTtlMs: values.has("stateTtlMs") ? integer(values, "stateTtlMs", 0, 1) : null,
    maxPartialMatchesPerKey: values.has("maxPartialMatchesPerKey")
      ? integer(values, "maxPartialMatchesPerKey", 0, 1)
      : null,
  };
}

function eventFields(raw: string | undefined): EventFields | null {
  if (raw === undefined) return null;
  try {
    return parseEventFields(raw);
  } catch (error) {
    throw new UsageError(`--eventFields: ${(error as Error).message}`);
  }
}
