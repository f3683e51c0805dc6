/**
 * Whether a kafkajs consumer is in its group, from its instrumentation events, and a log line
 * while it waits to join: a restarted job may wait up to the session timeout for its old member
 * to expire, and that wait should not be silent.
 *
 * @module
 */

import type { Consumer } from "kafkajs";
import type { Logger } from "./logger.ts";

/** Options for {@link GroupMembership.watch}. */
export interface GroupMembershipOptions {
  readonly logger: Logger;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
}

/** How often "still waiting to join the Kafka group" repeats while the join lasts. */
const JOIN_WAIT_LOG_MS = 5_000;

/** Tracks group membership across the consumers a source creates, one after the other. */
export class GroupMembership {
  #joined = false;
  #waiting: ReturnType<typeof setInterval> | undefined;

  /** Whether the current consumer is in its group with partitions assigned. */
  get joined(): boolean {
    return this.#joined;
  }

  /**
   * Follows a new consumer's events.
   * @param consumer the consumer, before it connects
   * @param options where to log and what to name
   */
  watch(consumer: Consumer, options: GroupMembershipOptions): void {
    const { logger, groupId, topics, sessionTimeoutMs } = options;
    const left = () => {
      this.#joined = false;
      clearInterval(this.#waiting);
      this.#waiting = undefined;
    };
    consumer.on(consumer.events.CONNECT, () => {
      // kafkajs reports a connect per broker connection; one line per wait is enough.
      if (this.#waiting !== undefined) return;
      const since = Date.now();
      logger.log("info", "Kafka consumer connected, joining group", {
        topics,
        groupId,
        sessionTimeoutMs,
      });
      this.#waiting = setInterval(() => {
        const waitedMs = Date.now() - since;
        logger.log("info", "still waiting to join the Kafka group", { groupId, waitedMs });
      }, JOIN_WAIT_LOG_MS);
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      left();
      this.#joined = true;
    });
    for (
      const event of [
        consumer.events.REBALANCING,
        consumer.events.DISCONNECT,
        consumer.events.CRASH,
        consumer.events.STOP,
      ]
    ) consumer.on(event, left);
  }
}
