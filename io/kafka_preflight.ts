/**
 * The Kafka half of the start-up checks: the brokers answer and accept the job's TLS and SASL
 * settings before the consumer joins its group.
 *
 * @module
 */

import { Kafka, logLevel } from "kafkajs";
import { kafkaClientConfig, type KafkaConnectionOptions } from "./kafka_connection.ts";
import type { Logger } from "./logger.ts";
import { waitUntilReachable } from "./preflight.ts";

/** Options for {@link preflightKafka}. */
export interface KafkaPreflightOptions extends KafkaConnectionOptions {
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/**
 * Connects to the brokers once (metadata, TLS and SASL included) and disconnects; transient
 * failures are waited out with a "still waiting for the Kafka brokers" line now and then.
 * @param options the connection settings, logger and signal
 * @throws {PreflightError} when the brokers refuse the credentials or the TLS handshake
 * @throws {RetryAbortedError} when the signal aborts first
 */
export async function preflightKafka(options: KafkaPreflightOptions): Promise<void> {
  const brokers = options.brokers.join(",");
  await waitUntilReachable(async () => {
    // One try per call: the wait loop does the retrying, and logging.
    const kafka = new Kafka({
      ...kafkaClientConfig(options),
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }, {
    what: `the Kafka brokers "${brokers}"`,
    logger: options.logger,
    signal: options.signal,
    describe: (error) => error instanceof Error ? error.message : String(error),
    permanent: (error) => permanentKafkaCause(error, options),
  });
}

/**
 * The cause of a Kafka connection failure that retrying cannot fix, or undefined.
 * @param error what kafkajs threw
 * @param options the settings, named in the message (never the password)
 * @returns a sentence naming the cause
 */
export function permanentKafkaCause(
  error: unknown,
  options: KafkaConnectionOptions,
): string | undefined {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  const brokers = `"${options.brokers.join(",")}"`;
  if (options.sasl !== undefined && name === "KafkaJSServerDoesNotSupportApiKey") {
    return `Kafka brokers ${brokers} do not offer SASL authentication, which ` +
      `--kafkaSaslMechanism ${options.sasl.mechanism} needs (${message})`;
  }
  if (name === "KafkaJSSASLAuthenticationError" || /SASL/i.test(message)) {
    const sasl = options.sasl;
    const who = sasl === undefined ? "" : ` ${sasl.mechanism} login of user "${sasl.username}"`;
    return `Kafka brokers ${brokers} refused the SASL${who}: check the user and ` +
      `EDGECEP_KAFKA_SASL_PASSWORD (${message})`;
  }
  if (/certificate|self.signed|unable to verify|tls|ssl|handshake/i.test(message)) {
    return `TLS to the Kafka brokers ${brokers} failed (${message})`;
  }
  const retriable = (error as { retriable?: unknown } | null)?.retriable;
  if (retriable === false && name !== "KafkaJSNumberOfRetriesExceeded") {
    return `Kafka brokers ${brokers} refused the job (${name}: ${message})`;
  }
  return undefined;
}
