/**
 * Builds the job's adapters from its flags and runs it: the only place that knows which io
 * implementation stands behind each flag.
 *
 * @module
 */

import {
  createLogger,
  DirectoryRuleStore,
  type EventSource,
  FileSource,
  type KafkaConnectionOptions,
  KafkaSource,
  type Logger,
  type MatchSink,
  MysqlCheckpointStore,
  MysqlRuleStore,
  PreflightError,
  preflightKafka,
  preflightMysql,
  RetryAbortedError,
  routeNodeWarnings,
  type RuleStore,
  serveMetrics,
  SqliteCheckpointStore,
  SqliteMatchSink,
  SqliteRuleStore,
  SqlMatchSink,
  writeStdoutLines,
} from "../io/mod.ts";
import { DEFAULT_CONDITION_REGISTRY, loadConditionClasses } from "../rules/mod.ts";
import {
  helpText,
  JOB_STATE_FORMAT_VERSION,
  type JobCheckpoints,
  type JobFlags,
  type JobSummary,
  Metrics,
  parseJobFlags,
  runJob,
  USAGE,
  UsageError,
  VERSION,
} from "../job/mod.ts";

/** Options for {@link runJobCommand}. */
export interface JobCommandOptions {
  /** Where each batch's match lines go; stdout by default. */
  readonly print?: (lines: readonly string[]) => void | Promise<void>;
  /** Stops the job; SIGINT/SIGTERM by default. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

function describeConfig(flags: JobFlags): Record<string, unknown> {
  const source = flags.source.type === "kafka"
    ? {
      brokers: flags.source.brokers,
      topics: flags.source.topics,
      group: flags.source.group,
      clientId: flags.source.clientId,
      tls: flags.source.tls,
      sasl: flags.source.sasl?.mechanism ?? null,
    }
    : { file: flags.source.path };
  const rules = flags.rules.type === "mysql"
    ? {
      host: flags.rules.config.host,
      database: flags.rules.config.database,
      table: flags.rules.tableName,
      sslMode: flags.rules.config.tls?.mode ?? "PREFERRED",
    }
    : flags.rules.type === "sqlite"
    ? { sqlite: flags.rules.path, table: flags.rules.tableName }
    : { directory: flags.rules.path };
  return { source, rules, eventTime: flags.usingEventTime, intervalMs: flags.jdbcIntervalMs };
}

/**
 * Parses flags, builds the adapters and runs the job to its end.
 * @param args the command line after the program name
 * @returns the process exit code: 0 when the input ended or the job was stopped (or for
 *   `--help` and `--version`), 1 when it cannot start or failed, 2 for bad flags
 */
export async function runJobCommand(
  args: readonly string[],
  options: JobCommandOptions = {},
): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(helpText());
    return 0;
  }
  if (args.includes("--version")) {
    console.log(`edgecep ${VERSION}`);
    return 0;
  }
  let flags: JobFlags;
  try {
    flags = parseJobFlags(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  const logger = options.logger ??
    createLogger({ format: flags.logFormat, level: flags.logLevel });
  routeNodeWarnings(logger);
  if (flags.rules.type === "sqlite") {
    // A permission the binary was not built with will not appear by retrying: say so at once.
    const status = await Deno.permissions.query({ name: "write", path: flags.rules.path });
    if (status.state !== "granted") {
      // Through the logger, so that --logFormat json keeps stderr all JSON.
      logger.log(
        "error",
        `--jdbcUrl: edgecep may not write "${flags.rules.path}"; put SQLite files under /tmp, ` +
          "/var/lib/edgecep or the working directory (see README, permissions)",
      );
      return 2;
    }
  }
  let conditions = DEFAULT_CONDITION_REGISTRY;
  if (flags.conditionClasses !== null) {
    try {
      conditions = loadConditionClasses(await Deno.readTextFile(flags.conditionClasses));
    } catch (error) {
      const reason = (error as Error).message;
      logger.log("error", `--conditionClasses "${flags.conditionClasses}": ${reason}`);
      return 2;
    }
  }
  const stop = new AbortController();
  const onSignal = () => {
    logger.log("info", "stopping on signal");
    stop.abort();
  };
  const signal = options.signal ?? stop.signal;
  if (options.signal === undefined) {
    Deno.addSignalListener("SIGINT", onSignal);
    Deno.addSignalListener("SIGTERM", onSignal);
  }
  const removeSignalListeners = () => {
    if (options.signal !== undefined) return;
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  };
  let kafka: KafkaConnectionOptions | undefined;
  if (flags.source.type === "kafka") {
    const { brokers, clientId, tls, caFile, sasl } = flags.source;
    let ca: string | undefined;
    try {
      if (caFile !== null) ca = await Deno.readTextFile(caFile);
    } catch (error) {
      logger.log("error", `--kafkaSslCaFile "${caFile}": ${(error as Error).message}`);
      return 2;
    }
    kafka = {
      brokers,
      clientId,
      ...(tls ? { tls: ca === undefined ? {} : { ca } } : {}),
      ...(sasl === null ? {} : { sasl }),
    };
  }
  const metrics = new Metrics();
  let ready = false;
  // Unhealthy until the source and the rule store exist, then as they report.
  let healthy = () => false;
  const server = flags.metricsPort === null ? null : serveMetrics({
    port: flags.metricsPort,
    metrics,
    logger,
    healthy: () => healthy(),
    ready: () => ready,
  });
  logger.log("info", "job starting", describeConfig(flags));
  try {
    await preflight(flags, kafka, logger, signal);
  } catch (error) {
    await server?.shutdown();
    removeSignalListeners();
    if (error instanceof RetryAbortedError) return 0;
    if (!(error instanceof PreflightError)) throw error;
    logger.log("error", `Cannot start: ${error.message}`);
    return 1;
  }
  let checkpoints: JobCheckpoints | null;
  try {
    checkpoints = await openCheckpoints(flags, logger);
  } catch (error) {
    await server?.shutdown();
    removeSignalListeners();
    if (error instanceof RetryAbortedError) return 0;
    logger.log("error", `Cannot start: ${(error as Error).message}`);
    return 1;
  }
  const source: EventSource = flags.source.type === "kafka"
    ? new KafkaSource({
      ...kafka!,
      topic: flags.source.topics,
      groupId: flags.source.group,
      fromBeginning: flags.startFrom === "earliest",
      sessionTimeout: flags.kafkaSessionTimeoutMs,
      heartbeatInterval: Math.max(1_000, Math.floor(flags.kafkaSessionTimeoutMs / 6)),
      logger,
      // The job restores (with checkpoints) and counts for the watermark each assigned partition.
      announceAssignments: true,
    })
    : new FileSource(flags.source.path, { logger });
  let ruleStore: RuleStore;
  let sink: MatchSink | null = null;
  const r = flags.rules;
  if (r.type === "mysql") {
    ruleStore = new MysqlRuleStore({
      config: r.config,
      tableName: r.tableName,
      intervalMs: flags.jdbcIntervalMs,
      logger,
    });
    // With checkpoints the checkpoint store writes the rows, in its own transactions.
    if (checkpoints === null) {
      sink = new SqlMatchSink({ config: r.config, tableName: flags.matchTable, logger });
    }
  } else if (r.type === "sqlite") {
    ruleStore = new SqliteRuleStore({
      path: r.path,
      tableName: r.tableName,
      intervalMs: flags.jdbcIntervalMs,
      logger,
    });
    if (checkpoints === null) {
      sink = new SqliteMatchSink({ path: r.path, tableName: flags.matchTable, logger });
    }
  } else {
    ruleStore = new DirectoryRuleStore({ path: r.path, intervalMs: flags.jdbcIntervalMs, logger });
  }
  healthy = () =>
    (!(source instanceof KafkaSource) || source.joined) && (ruleStore.health?.answering ?? true);
  let summary: JobSummary;
  try {
    summary = await runJob({
      source,
      ruleStore,
      sink,
      timeBehaviour: flags.usingEventTime ? "EventTime" : "ProcessingTime",
      watermark: { outOfOrdernessMs: flags.outOfOrdernessMs, idleTimeoutMs: flags.idleTimeoutMs },
      eventFormat: flags.eventFormat,
      ...(flags.eventFields === null ? {} : { eventFields: flags.eventFields }),
      logger,
      metrics,
      print: options.print ?? writeStdoutLines,
      signal,
      conditions,
      onRulesApplied: () => ready = true,
      checkpoints,
      checkpointIntervalMs: flags.checkpointIntervalMs,
      stateBounds: {
        ttlMs: flags.stateTtlMs,
        maxPartialMatchesPerKey: flags.maxPartialMatchesPerKey,
      },
    });
  } catch (error) {
    logger.log("error", "job failed", { reason: (error as Error).message });
    return 1;
  } finally {
    removeSignalListeners();
    await Promise.allSettled([
      source.close(),
      ruleStore.close(),
      sink?.close(),
      checkpoints?.store.close(),
      server?.shutdown(),
    ]);
  }
  logger.log("info", "job summary", { ...summary });
  return 0;
}

/** Checks the database and the brokers together; the first permanent failure stops both. */
async function preflight(
  flags: JobFlags,
  kafka: KafkaConnectionOptions | undefined,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  const failed = new AbortController();
  const both = AbortSignal.any([signal, failed.signal]);
  const checks: Promise<void>[] = [];
  const r = flags.rules;
  if (r.type === "mysql") {
    checks.push(preflightMysql({
      config: r.config,
      ruleTable: r.tableName,
      matchTable: flags.matchTable,
      logger,
      signal: both,
    }));
  }
  if (kafka !== undefined) checks.push(preflightKafka({ ...kafka, logger, signal: both }));
  await Promise.all(checks.map((check) =>
    check.catch((error) => {
      failed.abort();
      throw error;
    })
  ));
}

/**
 * The checkpoint store of a Kafka job whose rules live in a database: the same database keeps
 * its state, offsets and match rows. Files and rule directories have none.
 * @throws {RangeError} if the database holds checkpoints of a format this edgecep cannot read
 */
async function openCheckpoints(flags: JobFlags, logger: Logger): Promise<JobCheckpoints | null> {
  const r = flags.rules;
  if (flags.source.type !== "kafka" || flags.checkpointIntervalMs === 0 || r.type === "directory") {
    return null;
  }
  const options = {
    group: flags.source.group,
    stateFormatVersion: JOB_STATE_FORMAT_VERSION,
    matchTable: flags.matchTable,
    logger,
  };
  const store = r.type === "mysql"
    ? new MysqlCheckpointStore({ ...options, config: r.config })
    : new SqliteCheckpointStore({ ...options, path: r.path });
  try {
    await store.open();
  } catch (error) {
    await store.close();
    throw error;
  }
  return { store, owner: `${Deno.hostname()}/${Deno.pid}` };
}
