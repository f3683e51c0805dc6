/**
 * What the end-to-end tests of checkpoints share: the command line of a checkpointed Kafka job,
 * Rule 1's events, a match table without a primary key, and what the job left behind (its JSON
 * log records, the checkpoint tables, the group's offsets and the topic's earliest offset).
 *
 * @module
 */

import { Kafka, logLevel } from "kafkajs";
import { checkpointTableNames } from "../../io/mod.ts";
import { eventually, type JobProcess } from "./job_process.ts";
import type { KafkaBroker, KafkaTestMessage } from "./kafka_broker.ts";
import type { MariaDb } from "./mariadb.ts";
import { createQuickStartTables, insertRule, quickStartJdbcUrl } from "./job_db.ts";
import { RULE_1_PATTERN } from "./mariadb.ts";

/** Where a test's job reads, keeps its rules and writes its rows. */
export interface CheckpointJobSetup {
  readonly broker: KafkaBroker;
  readonly db: MariaDb;
  readonly topic: string;
  readonly group: string;
  readonly rules: string;
  readonly results: string;
}

/**
 * A consumer group name that is a plain identifier, so that its checkpoint tables are named
 * `edgecep_<group>_…` without a hash.
 * @param prefix lower-case letters, digits and `_`
 * @returns e.g. `g_kill_1a2b3c4d`
 */
export function uniqueGroup(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * The job's command line: Rule 1's quick start flags, a 6 s session (a killed member's
 * partitions move after ~5 s, not ~30 s) and JSON logs.
 * @param setup broker, database, topic, group and tables
 * @param checkpointIntervalMs default 1 000, so that tests see checkpoints soon
 * @returns the arguments after `main.ts`
 */
export function checkpointJobArgs(
  setup: CheckpointJobSetup,
  checkpointIntervalMs = 1_000,
): string[] {
  return [
    ...["--kafkaBrokers", setup.broker.brokers.join(","), "--inputTopic", setup.topic],
    ...["--inputTopicGroup", setup.group, "--kafkaSessionTimeoutMs", "6000"],
    ...["--jdbcUrl", quickStartJdbcUrl(setup.db), "--tableName", setup.rules],
    ...["--matchTable", setup.results, "--jdbcIntervalMs", "1000", "--logFormat", "json"],
    ...["--checkpointIntervalMs", String(checkpointIntervalMs)],
  ];
}

/**
 * Creates the quick start's tables with Rule 1 in the rule table, the match table without its
 * primary key (so a row written twice stays twice) and with room for long names.
 * @param setup the database and table names
 */
export async function createRuleOneTables(setup: CheckpointJobSetup): Promise<void> {
  const { db, rules, results } = setup;
  await createQuickStartTables(db, { rules, results });
  await db.query(`ALTER TABLE ${results} DROP PRIMARY KEY, MODIFY user_name VARCHAR(1100)`);
  await insertRule(db, rules, { id: "1", version: 1, pattern: RULE_1_PATTERN });
}

/** A Rule 1 key: a user viewing a product. */
export interface ViewKey {
  readonly user: number;
  readonly name: string;
  readonly product: number;
}

/**
 * A view (`action 0`) of a key as CSV, in the partition of its user.
 * @param key the user and product
 * @param time the event time
 * @param partitions the topic's partition count
 * @returns the message
 */
export function viewMessage(key: ViewKey, time: number, partitions: number): KafkaTestMessage {
  return {
    value: `${key.user},${key.name},0,${key.product},${time}`,
    partition: key.user % partitions,
  };
}

/**
 * How the job prints an event of a key.
 * @param key the user and product
 * @param time the event time
 * @returns e.g. `Event(1, Kay, 0, 1, 1000)`
 */
export function shownView(key: ViewKey, time: number): string {
  return `Event(${key.user}, ${key.name}, 0, ${key.product}, ${time})`;
}

/**
 * The user of a Rule 1 match line.
 * @param line a stdout line
 * @returns the user id of the first event, or `undefined` if the line is no match line
 */
export function matchedUser(line: string): number | undefined {
  const found = /^A match for Pattern of \(id, version\): \(1, 1\) is found\. .*?Event\((\d+), /
    .exec(line);
  return found === null ? undefined : Number(found[1]);
}

/**
 * Produces chunks one after the other with a pause between them, so that a job reading
 * meanwhile is killed mid-stream.
 * @param broker the broker
 * @param topic the topic
 * @param chunks the messages, chunk by chunk
 * @param pauseMs the pause after each chunk
 */
export async function producePaced(
  broker: KafkaBroker,
  topic: string,
  chunks: readonly (readonly KafkaTestMessage[])[],
  pauseMs: number,
): Promise<void> {
  for (const chunk of chunks) {
    await broker.produce(topic, chunk);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/**
 * The JSON log records with the given message; lines that are not JSON are skipped.
 * @param stderr the job's stderr lines
 * @param message the `msg` field
 * @returns the records in order
 */
export function logRecords(
  stderr: readonly string[],
  message: string,
): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (const line of stderr) {
    if (!line.includes(`"msg":${JSON.stringify(message)}`)) continue;
    try {
      records.push(JSON.parse(line));
    } catch { /* not a log record */ }
  }
  return records;
}

/**
 * Waits for the job's next "partitions restored from the checkpoint" record.
 * @param job the job
 * @param from the first stderr line to consider; default 0
 * @param timeoutMs default 30 s; a restart after kill -9 waits for the old session to expire
 * @returns the record's partitions (`topic/p@nextOffset`), keys and buffered events
 */
export async function waitForRestore(
  job: JobProcess,
  from = 0,
  timeoutMs = 30_000,
): Promise<{ partitions: string[]; keys: number; buffered: number; index: number }> {
  const { line, index } = await job.waitForLine(
    "stderr",
    '"msg":"partitions restored from the checkpoint"',
    { from, timeoutMs },
  );
  const record = JSON.parse(line);
  return { partitions: record.partitions, keys: record.keys, buffered: record.buffered, index };
}

/**
 * Each partition's next offset in the group's checkpoint.
 * @param db the database
 * @param group the consumer group
 * @returns partition to next offset (`null`: never checkpointed); empty before the first claim
 */
export async function checkpointedOffsets(
  db: MariaDb,
  group: string,
): Promise<Map<number, number | null>> {
  const rows = await db.rows(
    `SELECT partition_id, next_offset FROM ${checkpointTableNames(group).partitions} ` +
      "ORDER BY partition_id",
  );
  return new Map(rows.map((r) => [
    Number(r.partition_id),
    r.next_offset === null ? null : Number(r.next_offset),
  ]));
}

/**
 * The sum of the checkpointed next offsets, 0 before any checkpoint.
 * @param db the database
 * @param group the consumer group
 * @returns the records of all partitions that a restore skips
 */
export async function checkpointedTotal(db: MariaDb, group: string): Promise<number> {
  const offsets = await checkpointedOffsets(db, group).catch(() => new Map<number, null>());
  return [...offsets.values()].reduce<number>((sum, offset) => sum + (offset ?? 0), 0);
}

/**
 * Waits until the checkpoint skips more than `records` records in total.
 * @param db the database
 * @param group the consumer group
 * @param records the total to pass
 * @param timeoutMs default 30 s
 * @returns the total
 */
export function waitForCheckpointPast(
  db: MariaDb,
  group: string,
  records: number,
  timeoutMs = 30_000,
): Promise<number> {
  return eventually(`a checkpoint past ${records} records of group "${group}"`, async () => {
    const total = await checkpointedTotal(db, group);
    return total > records ? total : undefined;
  }, timeoutMs);
}

/** A match table's row count and the keys it holds more than once. */
export interface RowCheck {
  readonly rows: number;
  readonly users: number;
  /** `rule_id/rule_version/user_id/production_id xN` for each key with more than one row. */
  readonly twice: string[];
}

/**
 * Counts a match table's rows and finds the keys written more than once.
 * @param db the database
 * @param table the match table
 * @returns the counts
 */
export async function checkRows(db: MariaDb, table: string): Promise<RowCheck> {
  const [count] = await db.rows(
    `SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS users FROM ${table}`,
  );
  const twice = await db.rows(
    "SELECT rule_id, rule_version, user_id, production_id, COUNT(*) AS n " +
      `FROM ${table} GROUP BY rule_id, rule_version, user_id, production_id ` +
      "HAVING COUNT(*) > 1 ORDER BY user_id LIMIT 20",
  );
  return {
    rows: Number(count!.n),
    users: Number(count!.users),
    twice: twice.map((r) =>
      `${r.rule_id}/${r.rule_version}/${r.user_id}/${r.production_id} x${r.n}`
    ),
  };
}

/**
 * Waits until a match table has at least `rows` rows.
 * @param db the database
 * @param table the match table
 * @param rows how many
 * @param timeoutMs default 60 s
 */
export async function waitForRows(
  db: MariaDb,
  table: string,
  rows: number,
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(`${rows} rows in ${table}`, async () => {
    const [count] = await db.rows(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number(count!.n) >= rows ? true : undefined;
  }, timeoutMs);
}

/** What the broker says about a topic's partition and a group's position in it. */
export interface BrokerOffsets {
  /** The earliest offset the broker still holds. */
  readonly low: number;
  readonly high: number;
  /** The group's committed offset (the next to read), -1 when none. */
  readonly committed: number;
}

/**
 * Asks the broker for a partition's earliest and latest offsets and the group's committed one.
 * @param brokers bootstrap servers
 * @param topic the topic
 * @param group the consumer group
 * @param partition default 0
 * @returns the offsets
 */
export async function brokerOffsets(
  brokers: readonly string[],
  topic: string,
  group: string,
  partition = 0,
): Promise<BrokerOffsets> {
  const kafka = new Kafka({
    clientId: "edgecep-test-admin",
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topicOffsets = await admin.fetchTopicOffsets(topic);
    const [groupOffsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const ends = topicOffsets.find((p) => p.partition === partition)!;
    const committed = groupOffsets!.partitions.find((p) => p.partition === partition)!;
    return { low: Number(ends.low), high: Number(ends.high), committed: Number(committed.offset) };
  } finally {
    await admin.disconnect();
  }
}
