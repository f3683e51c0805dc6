/**
 * How the job connects to Kafka (brokers, client id, TLS, SASL) as kafkajs settings, shared by
 * the source and the start-up check.
 *
 * @module
 */

import type { KafkaConfig } from "kafkajs";

/** SASL credentials for Kafka (`--kafkaSecurityProtocol SASL_*`). */
export interface KafkaSasl {
  readonly mechanism: "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
  readonly username: string;
  /** Never print this. */
  readonly password: string;
}

/** How the job connects to the brokers, shared by `KafkaSource` and the start-up check. */
export interface KafkaConnectionOptions {
  /** Bootstrap servers, `host:port`. */
  readonly brokers: readonly string[];
  /** Default `edgecep`. */
  readonly clientId?: string;
  /** TLS to the brokers; `ca` holds PEM text (default the system's roots). Default off. */
  readonly tls?: { readonly ca?: string };
  /** SASL authentication; default none. */
  readonly sasl?: KafkaSasl;
}

/**
 * kafkajs retries of one connection attempt, bounded so that `KafkaSource.close()` waits at most
 * about 10 s for a connect attempt in flight; past them the source's reconnect loop takes over,
 * with its own backoff.
 */
export const KAFKA_RETRY = { initialRetryTime: 300, maxRetryTime: 5_000, retries: 5 };

/**
 * The kafkajs client settings of a connection.
 * @param options brokers, client id, TLS and SASL
 * @returns the settings, without logging (callers add their own log creator)
 */
export function kafkaClientConfig(options: KafkaConnectionOptions): KafkaConfig {
  const { tls, sasl } = options;
  return {
    clientId: options.clientId ?? "edgecep",
    brokers: [...options.brokers],
    retry: KAFKA_RETRY,
    ...(tls === undefined ? {} : { ssl: tls.ca === undefined ? true : { ca: [tls.ca] } }),
    ...(sasl === undefined ? {} : {
      sasl: sasl.mechanism === "PLAIN"
        ? { mechanism: "plain", username: sasl.username, password: sasl.password }
        : sasl.mechanism === "SCRAM-SHA-256"
        ? { mechanism: "scram-sha-256", username: sasl.username, password: sasl.password }
        : { mechanism: "scram-sha-512", username: sasl.username, password: sasl.password },
    }),
  };
}
