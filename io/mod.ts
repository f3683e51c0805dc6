/**
 * io: every adapter between the job and the outside world (Kafka, MySQL/MariaDB, SQLite, files,
 * HTTP), behind the `EventSource`, `RuleStore`, `MatchSink` and `CheckpointStore` interfaces.
 * Nothing here knows of NFAs.
 *
 * @example
 * ```ts
 * import { KafkaSource, MysqlCheckpointStore, parseJdbcUrl, SqlMatchSink } from "./io/mod.ts";
 * const sink = new SqlMatchSink({ config: parseJdbcUrl(url) });
 * const store = new MysqlCheckpointStore({
 *   config: parseJdbcUrl(url),
 *   group: "demo_group",
 *   stateFormatVersion: 1,
 * });
 * await store.open();
 * const restored = await store.claim([{ topic: "demo_topic", partition: 0 }], "host-1");
 * ```
 *
 * @module
 */

export * from "./backoff.ts";
export * from "./checkpoint_store.ts";
export { DirectoryRuleStore, type DirectoryRuleStoreOptions } from "./directory_rule_store.ts";
export {
  createEventParser,
  type EventFormat,
  type EventParser,
  type EventParserOptions,
  parseEvent,
} from "./event_format.ts";
export {
  CANONICAL_FIELDS,
  type CanonicalField,
  DEFAULT_EVENT_FIELDS,
  eventFieldNames,
  type EventFields,
  parseEventFields,
} from "./event_fields.ts";
export type {
  EventSource,
  PartitionRef,
  SourceAssignment,
  SourceBatch,
  SourceItem,
  SourcePosition,
  StartPosition,
} from "./event_source.ts";
export { FileSource, type FileSourceOptions } from "./file_source.ts";
export { type JdbcConfig, parseJdbcUrl, redactJdbcUrl } from "./jdbc_url.ts";
export {
  KAFKA_RETRY,
  kafkaClientConfig,
  type KafkaConnectionOptions,
  type KafkaSasl,
} from "./kafka_connection.ts";
export { KafkaSource, type KafkaSourceOptions } from "./kafka_source.ts";
export * from "./logger.ts";
export { writeStdoutLines } from "./stdout_lines.ts";
export { routeNodeWarnings } from "./node_warnings.ts";
export {
  type KafkaPreflightOptions,
  permanentKafkaCause,
  preflightKafka,
} from "./kafka_preflight.ts";
export {
  type MysqlPreflightOptions,
  permanentMysqlCause,
  PreflightError,
  preflightMysql,
  waitUntilReachable,
  type WaitUntilReachableOptions,
} from "./preflight.ts";
export { type MatchRow, type MatchSink, SinkWriteError } from "./match_sink.ts";
export { type MetricsRenderer, serveMetrics, type ServeMetricsOptions } from "./metrics_server.ts";
export { SqlMatchSink, type SqlMatchSinkOptions } from "./mysql_match_sink.ts";
export {
  MysqlCheckpointStore,
  type MysqlCheckpointStoreOptions,
} from "./mysql_checkpoint_store.ts";
export { MysqlRuleStore, type MysqlRuleStoreOptions } from "./mysql_rule_store.ts";
export { type MysqlSslMode, type MysqlTls, mysqlTlsOf } from "./mysql_tls.ts";
export type { RuleRow, RuleSet, RuleStore, RuleStoreHealth, WatchOptions } from "./rule_store.ts";
export { assertSqlIdentifier, quoteSqlIdentifier } from "./sql_identifier.ts";
export {
  SqliteCheckpointStore,
  type SqliteCheckpointStoreOptions,
} from "./sqlite_checkpoint_store.ts";
export { SqliteMatchSink, type SqliteMatchSinkOptions } from "./sqlite_match_sink.ts";
export {
  openSqliteDatabase,
  parseSqliteJdbcUrl,
  SqliteRuleStore,
  type SqliteRuleStoreOptions,
} from "./sqlite_rule_store.ts";
