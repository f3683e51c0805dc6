/**
 * How the job's flag values become settings: the checks shared by every flag and the Kafka and
 * MySQL connection settings, apart from the flag table in `flags.ts`.
 *
 * @module
 */

import { type JdbcConfig, type KafkaSasl, mysqlTlsOf, parseJdbcUrl } from "../io/mod.ts";
import { UsageError } from "./_command_line.ts";
import type { SourceConfig } from "./flags.ts";

/**
 * A flag that must be given.
 * @throws {UsageError} `<name> must be set!`, the Flink demo's wording
 */
export function required(values: Map<string, string>, name: string): string {
  const value = values.get(name);
  if (value === undefined || value === "") throw new UsageError(`${name} must be set!`);
  return value;
}

/**
 * A whole-number flag.
 * @throws {UsageError} naming the flag when the value is not a whole number >= `min`
 */
export function integer(
  values: Map<string, string>,
  name: string,
  fallback: number,
  min: number,
): number {
  const raw = values.get(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`--${name} must be a whole number >= ${min}, got "${raw}"`);
  }
  return Number(raw);
}

/**
 * A flag with a fixed set of values; the first is the default.
 * @throws {UsageError} naming the flag and the allowed values
 */
export function choice<T extends string>(
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

/**
 * Refuses flags that only mean something with another flag, rather than ignoring them.
 * @throws {UsageError} `--<name> needs <needs>`
 */
export function requireWith(
  values: Map<string, string>,
  names: readonly string[],
  needs: string,
): void {
  for (const name of names) {
    if (values.has(name)) throw new UsageError(`--${name} needs ${needs}`);
  }
}

/**
 * The Kafka source of `--kafkaBrokers`: topics, group, client id, TLS and SASL.
 * @throws {UsageError} for an empty topic, a missing SASL user or password, or a security flag
 *   the protocol would ignore
 */
export function kafkaSourceConfig(values: Map<string, string>, brokers: string[]): SourceConfig {
  const topics = required(values, "inputTopic").split(",").map((t) => t.trim());
  if (topics.some((t) => t === "")) {
    throw new UsageError(`--inputTopic has an empty topic name in "${values.get("inputTopic")}"`);
  }
  const protocol = choice(
    values,
    "kafkaSecurityProtocol",
    ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] as const,
  );
  const tls = protocol === "SSL" || protocol === "SASL_SSL";
  let sasl: KafkaSasl | null = null;
  if (protocol.startsWith("SASL_")) {
    const mechanism = choice(
      values,
      "kafkaSaslMechanism",
      ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as const,
    );
    const username = values.get("kafkaSaslUsername");
    if (username === undefined) throw new UsageError(`kafkaSaslUsername must be set!`);
    const password = values.get("kafkaSaslPassword");
    if (password === undefined) {
      throw new UsageError(
        `--kafkaSecurityProtocol ${protocol} needs the password in EDGECEP_KAFKA_SASL_PASSWORD`,
      );
    }
    sasl = { mechanism, username, password };
  } else {
    requireWith(
      values,
      ["kafkaSaslMechanism", "kafkaSaslUsername"],
      "--kafkaSecurityProtocol SASL_PLAINTEXT or SASL_SSL",
    );
  }
  if (!tls) requireWith(values, ["kafkaSslCaFile"], "--kafkaSecurityProtocol SSL or SASL_SSL");
  return {
    type: "kafka",
    brokers,
    topics,
    group: required(values, "inputTopicGroup"),
    clientId: values.get("kafkaClientId") ?? "edgecep",
    tls,
    caFile: values.get("kafkaSslCaFile") ?? null,
    sasl,
  };
}

/**
 * The MySQL settings of `--jdbcUrl`, with its TLS parameters and `EDGECEP_JDBC_PASSWORD`.
 * @throws {UsageError} for a malformed URL or a TLS parameter that is refused
 */
export function mysqlConfig(values: Map<string, string>, jdbcUrl: string): JdbcConfig {
  try {
    const config = parseJdbcUrl(jdbcUrl);
    const tls = mysqlTlsOf(config.params, values.get("jdbcSslCaFile"));
    const password = config.password !== "" ? config.password : values.get("jdbcPassword") ?? "";
    return { ...config, password, tls };
  } catch (error) {
    throw new UsageError(`--jdbcUrl: ${(error as Error).message}`);
  }
}
