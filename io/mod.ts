/**
 * io: every adapter between the job and the outside world (Kafka, MySQL/MariaDB, SQLite, files,
 * HTTP), behind the `EventSource`, `RuleStore` and `MatchSink` interfaces. Nothing here knows of
 * NFAs.
 *
 * @example
 * ```ts
 * import { KafkaSource, parseJdbcUrl, SqlMatchSink } from "./io/mod.ts";
 * const sink = new SqlMatchSink({ config: parseJdbcUrl(url) });
 * ```
 *
 * @module
 */

export * from "./backoff.ts";
export { DirectoryRuleStore, type DirectoryRuleStoreOptions } from "./directory_rule_store.ts";
export { type EventFormat, parseEvent } from "./event_format.ts";
export type { EventSource, SourcePosition, SourceRecord } from "./event_source.ts";
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
export { MysqlRuleStore, type MysqlRuleStoreOptions } from "./mysql_rule_store.ts";
export { type MysqlSslMode, type MysqlTls, mysqlTlsOf } from "./mysql_tls.ts";
export type { RuleRow, RuleSet, RuleStore, RuleStoreHealth, WatchOptions } from "./rule_store.ts";
export { assertSqlIdentifier, quoteSqlIdentifier } from "./sql_identifier.ts";
export { SqliteMatchSink, type SqliteMatchSinkOptions } from "./sqlite_match_sink.ts";
export {
  openSqliteDatabase,
  parseSqliteJdbcUrl,
  SqliteRuleStore,
  type SqliteRuleStoreOptions,
} from "./sqlite_rule_store.ts";
