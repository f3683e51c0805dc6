/**
 * An {@link EventSource} over Kafka topics, read in one consumer group with kafkajs.
 *
 * @module
 */

import { type Consumer, type EachBatchPayload, Kafka, type logCreator, logLevel } from "kafkajs";
import type {
  EventSource,
  PartitionRef,
  SourceItem,
  SourcePosition,
  StartPosition,
} from "./event_source.ts";
import type { Logger } from "./logger.ts";
import { backoffDelay, type BackoffOptions, sleep } from "./backoff.ts";
import { WAIT_LOG_INTERVAL_MS } from "./preflight.ts";
import { GroupMembership } from "./_group_membership.ts";
import { ItemQueue } from "./_item_queue.ts";
import { KAFKA_RETRY, kafkaClientConfig, type KafkaConnectionOptions } from "./kafka_connection.ts";

export type { KafkaConnectionOptions, KafkaSasl } from "./kafka_connection.ts";

/** Options for {@link KafkaSource}. */
export interface KafkaSourceOptions extends KafkaConnectionOptions {
  /** One topic, or several read in the same group. */
  readonly topic: string | readonly string[];
  readonly groupId: string;
  /** Receives state changes (joined, lost, reconnecting) and kafkajs' own warnings. */
  readonly logger: Logger;
  /** Where a group with no committed offset starts: the earliest record (default) or the next. */
  readonly fromBeginning?: boolean;
  /** Milliseconds without heartbeat before the group drops this member; default 30 000. */
  readonly sessionTimeout?: number;
  /** Default 3 000; must be below `sessionTimeout`. */
  readonly heartbeatInterval?: number;
  /** How long the broker may hold a fetch that has no data; default 500. */
  readonly maxWaitTimeInMs?: number;
  /**
   * Records fetched but not yet pulled by the iterator; fetching pauses once they reach it (one
   * fetch may overshoot it). Default 10 000.
   */
  readonly queueCapacity?: number;
  /** Delays between reconnect attempts. */
  readonly backoff?: BackoffOptions;
  /**
   * Yield an assignment item whenever the owned partitions change, and hold newly assigned
   * partitions until {@link KafkaSource.start}: a job with checkpoints restores their state and
   * tells where to read from. Default false: every assigned partition is read at once.
   */
  readonly announceAssignments?: boolean;
}

/** A partition of one of the topics, as a map key. */
function partitionKey(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

/** The partition a {@link partitionKey} names. */
function partitionOf(key: string): PartitionRef {
  const at = key.indexOf("\u0000");
  return { topic: key.slice(at + 1), partition: Number(key.slice(0, at)) };
}

/**
 * Reads one or more topics in a consumer group. Offsets are committed only through {@link commit}, so a
 * restarted job resumes after the last record whose effects were durable (at-least-once).
 * Broker failures are retried forever with backoff; they are logged, never thrown.
 */
export class KafkaSource implements EventSource {
  readonly #options: KafkaSourceOptions;
  readonly #tickMs: number;
  readonly #abort = new AbortController();
  readonly #closed = Promise.withResolvers<void>();
  /** Items fetched but not yet pulled, oldest first, and the records their batches hold. */
  readonly #queue: ItemQueue;
  /** For each partition still owned, the offset of the last record queued. */
  readonly #lastQueued = new Map<string, string>();
  /** Per partition, the log end offset kafkajs last reported, for the consumer lag metric. */
  readonly #highWatermarks = new Map<string, bigint>();
  /** After a rejoin: per partition, the offset up to which fetched records were queued before. */
  #skipThrough = new Map<string, bigint>();
  /** Partitions owned since the last join. */
  #owned = new Set<string>();
  /** Announced partitions not yet started: kept paused, across reconnects too. */
  readonly #waitingStart = new Set<string>();
  /** Offsets to commit, kept until the broker accepts them. */
  readonly #pending = new Map<string, bigint>();
  #consumer: Consumer | undefined;
  #supervisor: Promise<void> | undefined;
  #commits: Promise<void> = Promise.resolve();
  #iterating = false;
  readonly #topics: readonly string[];
  readonly #membership = new GroupMembership();
  #lastWaitLog = -Infinity;

  /**
   * Creates the source; it connects when iteration starts.
   * @param options brokers, topic, group and tuning
   * @throws {RangeError} if a name is empty or a number is out of range
   */
  constructor(options: KafkaSourceOptions) {
    const { brokers, groupId, queueCapacity = 10_000 } = options;
    const topics = typeof options.topic === "string" ? [options.topic] : [...options.topic];
    const topic = topics.join(",");
    const session = options.sessionTimeout ?? 30_000;
    const heartbeat = options.heartbeatInterval ?? 3_000;
    let problem: string | undefined;
    if (brokers.length === 0) problem = "no brokers given";
    else if (topics.includes("") || groupId === "") {
      problem = "topic and groupId must not be empty";
    } else if (!(queueCapacity >= 1)) problem = `queueCapacity "${queueCapacity}" is not >= 1`;
    else if (!(heartbeat > 0 && heartbeat < session)) {
      problem = `heartbeatInterval "${heartbeat}" is not in 1..sessionTimeout "${session}"`;
    }
    if (problem) throw new RangeError(`Cannot create Kafka source for "${topic}": ${problem}`);
    this.#options = options;
    this.#topics = topics;
    this.#queue = new ItemQueue(queueCapacity);
    this.#tickMs = Math.min(heartbeat, 1_000);
  }

  /**
   * Yields what each fetch returned, one batch per partition, in offset order within each
   * partition, until {@link close}.
   * @throws {TypeError} if the source is already being iterated
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<SourceItem> {
    if (this.#iterating) {
      throw new TypeError(`Cannot iterate Kafka source "${this.#topics}" twice at once`);
    }
    this.#iterating = true;
    this.#supervisor ??= this.#supervise();
    try {
      while (!this.#abort.signal.aborted) {
        const item = this.#queue.shift();
        if (item !== undefined) yield item;
        else await this.#queue.waitForItem();
      }
    } finally {
      this.#iterating = false;
    }
  }

  /**
   * Records in the log that the job has not received yet: per partition the log end offset minus
   * the next offset to hand out, plus what waits in the internal queue.
   */
  get lag(): number {
    let lag = 0;
    for (const partitionLag of this.partitionLag.values()) lag += partitionLag;
    return lag;
  }

  /**
   * {@link lag} per partition, keyed `topic/partition`: the log end offset minus the next offset
   * to queue, plus the partition's records waiting in the internal queue.
   */
  get partitionLag(): Map<string, number> {
    const lags = new Map<string, number>();
    for (const [key, end] of this.#highWatermarks) {
      const last = this.#lastQueued.get(key);
      const next = last === undefined ? 0n : BigInt(last) + 1n;
      const [partition, topic] = key.split("\u0000");
      lags.set(`${topic}/${partition}`, end > next ? Number(end - next) : 0);
    }
    for (const item of this.#queue.values()) {
      if (item.type !== "batch") continue;
      const label = `${item.topic}/${item.partition}`;
      lags.set(label, (lags.get(label) ?? 0) + item.values.length);
    }
    return lags;
  }

  /** Whether the consumer is in its group now, with partitions assigned (for `/healthz`). */
  get joined(): boolean {
    return this.#membership.joined;
  }

  /**
   * Starts partitions an assignment announced: each reads from its offset, or from the group's
   * committed offset when it is `null`. Positions of partitions not waiting to start are ignored
   * (a later rebalance took them away).
   * @param positions where each partition starts
   */
  start(positions: readonly StartPosition[]): void {
    const started = new Map<string, number[]>();
    for (const { topic, partition, offset } of positions) {
      const key = partitionKey(topic, partition);
      if (!this.#waitingStart.delete(key)) continue;
      started.set(topic, [...started.get(topic) ?? [], partition]);
      if (offset === null) continue;
      // Records below the start are skipped even when a reconnect fetches them again.
      this.#lastQueued.set(key, (BigInt(offset) - 1n).toString());
      this.#skipThrough.set(key, BigInt(offset) - 1n);
      this.#consumer?.seek({ topic, partition, offset });
    }
    if (started.size === 0) return;
    this.#consumer?.resume([...started].map(([topic, partitions]) => ({ topic, partitions })));
  }

  /**
   * Commits offset + 1 for each position, so the group resumes after it. Positions of
   * partitions this member no longer owns are dropped: their new owner commits them. A commit
   * the broker refuses (say, while reconnecting) is logged and retried with the next call, or
   * once the group is joined again.
   * @param positions the last handled record of each partition
   * @throws {RangeError} if a position names another topic
   */
  commit(positions: readonly SourcePosition[]): Promise<void> {
    for (const { topic, partition, offset } of positions) {
      if (!this.#topics.includes(topic)) {
        throw new RangeError(
          `Cannot commit to Kafka source "${this.#topics}": position is for topic "${topic}"`,
        );
      }
      const key = partitionKey(topic, partition);
      if (!this.#lastQueued.has(key)) continue;
      const next = BigInt(offset) + 1n;
      if (next > (this.#pending.get(key) ?? -1n)) this.#pending.set(key, next);
    }
    return this.#flush();
  }

  #flush(): Promise<void> {
    // Chained so that two commits never reach the broker out of order.
    return this.#commits = this.#commits.then(() => this.#commitPending());
  }

  /**
   * Ends iteration, finishes commits (retrying a refused one once), then leaves the group and
   * disconnects. Records fetched but not yet pulled are dropped: they were not committed.
   */
  async close(): Promise<void> {
    if (!this.#abort.signal.aborted) {
      this.#abort.abort();
      this.#queue.clear();
      this.#queue.wake();
      await this.#flush();
      this.#closed.resolve();
    }
    await this.#supervisor;
  }

  async #commitPending(): Promise<void> {
    const offsets = [...this.#pending];
    if (offsets.length === 0) return;
    const topic = this.#topics.join(",");
    try {
      if (this.#consumer === undefined) throw new Error("The consumer is not connected");
      await this.#consumer.commitOffsets(offsets.map(([key, next]) => {
        const [partition, topic] = key.split("\u0000");
        return { topic: topic!, partition: Number(partition), offset: next.toString() };
      }));
    } catch (error) {
      // Not thrown: the offsets stay pending, and a lost commit only means replay on restart.
      const message = "Kafka commit failed, retrying with the next commit";
      this.#options.logger.log("warn", message, { topic, error: errorMessage(error) });
      return;
    }
    for (const [key, next] of offsets) {
      if (this.#pending.get(key) === next) this.#pending.delete(key);
    }
  }

  /** Connects, runs and, after any failure, reconnects with backoff until closed. */
  async #supervise(): Promise<void> {
    const { logger, groupId } = this.#options;
    const topic = this.#topics.join(",");
    let attempt = 0;
    while (!this.#abort.signal.aborted) {
      const consumer = this.#createConsumer();
      const crashed = new Promise<unknown>((resolve) => {
        consumer.on(consumer.events.CRASH, ({ payload }) => resolve(payload.error));
      });
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        attempt = 0;
        this.#onJoin(consumer, payload.memberAssignment);
      });
      let failure: unknown;
      try {
        logger.log("debug", "Kafka consumer connecting", { topic, groupId, attempt });
        const connecting = consumer.connect();
        // A connect in flight cannot be cancelled; close() waits for it so no timer leaks.
        await Promise.race([connecting, this.#closed.promise]);
        await connecting;
        if (this.#abort.signal.aborted) break;
        const fromBeginning = this.#options.fromBeginning ?? true;
        await consumer.subscribe({ topics: [...this.#topics], fromBeginning });
        this.#consumer = consumer;
        await consumer.run({
          // Resolved offsets only move the fetch position; commit() alone writes to the group.
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: (payload) => this.#eachBatch(payload),
        });
        failure = await Promise.race([crashed, this.#closed.promise]);
      } catch (error) {
        failure = error;
      } finally {
        this.#consumer = undefined;
        await consumer.disconnect().catch((error) => failure ??= error);
      }
      if (this.#abort.signal.aborted) break;
      const delayMs = backoffDelay(attempt++, this.#options.backoff);
      const error = errorMessage(failure);
      logger.log("warn", "Kafka consumer lost, reconnecting", { topic, groupId, delayMs, error });
      await sleep(delayMs, this.#abort.signal).catch(() => {});
    }
    logger.log("info", "Kafka consumer closed", { topic, groupId });
  }

  #createConsumer(): Consumer {
    const options = this.#options;
    const kafka = new Kafka({
      ...kafkaClientConfig(options),
      logLevel: logLevel.WARN,
      logCreator: this.#logCreator,
    });
    const consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeout ?? 30_000,
      heartbeatInterval: options.heartbeatInterval ?? 3_000,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 500,
      // One restart path, ours, so that every reconnect is logged and backed off alike.
      retry: { ...KAFKA_RETRY, restartOnFailure: () => Promise.resolve(false) },
    });
    this.#membership.watch(consumer, {
      logger: options.logger,
      groupId: options.groupId,
      topics: this.#topics,
      sessionTimeoutMs: options.sessionTimeout ?? 30_000,
    });
    return consumer;
  }

  // kafkajs logs every retriable failure, dozens a minute while a broker is down: they go to debug,
  // and one "still waiting" warning per interval says that the job is waiting, and why.
  readonly #logCreator: logCreator = () => ({ namespace, level, log }) => {
    const { message, timestamp: _t, logger: _l, stack: _s, ...fields } = log;
    const { logger, brokers } = this.#options;
    logger.log("debug", `kafkajs: ${message}`, { namespace, ...fields });
    if (level <= logLevel.ERROR && Date.now() - this.#lastWaitLog >= WAIT_LOG_INTERVAL_MS) {
      this.#lastWaitLog = Date.now();
      logger.log("warn", "still waiting for the Kafka brokers", { brokers, error: message });
    }
  };

  #onJoin(
    consumer: Consumer,
    assignment: Readonly<Record<string, readonly number[] | undefined>>,
  ): void {
    const assigned = new Set<string>();
    for (const topic of this.#topics) {
      for (const partition of assignment[topic] ?? []) assigned.add(partitionKey(topic, partition));
    }
    const revoked = [...this.#owned].filter((key) => !assigned.has(key));
    const added = [...assigned].filter((key) => !this.#owned.has(key));
    this.#owned = assigned;
    // A rejoin restarts fetching at the committed offsets. Records already queued are skipped
    // when fetched again; those of partitions lost to another member are left to it.
    this.#queue.retain((item) =>
      item.type === "assignment" || assigned.has(partitionKey(item.topic, item.partition))
    );
    this.#skipThrough = new Map();
    // #pending only holds partitions of #lastQueued (see commit()).
    for (const [key, last] of this.#lastQueued) {
      if (assigned.has(key)) this.#skipThrough.set(key, BigInt(last));
      else {
        this.#lastQueued.delete(key);
        this.#pending.delete(key);
      }
    }
    for (const key of revoked) this.#waitingStart.delete(key);
    if (this.#options.announceAssignments) {
      for (const key of added) this.#waitingStart.add(key);
      // Paused before the first fetch: GROUP_JOIN is emitted synchronously before fetching.
      const paused = new Map<string, number[]>();
      for (const key of this.#waitingStart) {
        const { topic, partition } = partitionOf(key);
        paused.set(topic, [...paused.get(topic) ?? [], partition]);
      }
      if (paused.size > 0) {
        consumer.pause([...paused].map(([topic, partitions]) => ({ topic, partitions })));
      }
      if (added.length > 0 || revoked.length > 0) {
        this.#queue.push({
          type: "assignment",
          assigned: added.map(partitionOf),
          revoked: revoked.map(partitionOf),
        });
      }
    }
    const { logger, groupId } = this.#options;
    const topic = this.#topics.join(",");
    const partitions = this.#topics.length === 1
      ? assignment[topic] ?? []
      : Object.fromEntries(this.#topics.map((t) => [t, assignment[t] ?? []]));
    logger.log("info", "Kafka consumer joined group", { topic, groupId, partitions });
    this.#queue.wake();
    // Commits that failed while the group was lost would otherwise wait for the next commit().
    if (this.#pending.size > 0) this.#flush().catch(() => {});
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition, messages } = batch;
    const key = partitionKey(topic, partition);
    this.#highWatermarks.set(key, BigInt(batch.highWatermark));
    if (messages.length === 0) return;
    // Backpressure: hold this batch, and so the next fetch, until the iterator has pulled enough.
    while (this.#queue.full) {
      await this.#queue.waitForRoom(this.#tickMs);
      if (this.#abort.signal.aborted || !isRunning() || isStale()) return;
      // Keeps the membership alive while blocked; throws if the group is rebalancing.
      await heartbeat();
    }
    if (this.#abort.signal.aborted || !isRunning() || isStale()) return;
    const skipThrough = this.#skipThrough.get(key);
    let first = 0;
    if (skipThrough !== undefined) {
      while (first < messages.length && BigInt(messages[first]!.offset) <= skipThrough) first++;
      if (BigInt(batch.lastOffset()) >= skipThrough) this.#skipThrough.delete(key);
    }
    const count = messages.length - first;
    if (count > 0) {
      const values = new Array<string | null>(count);
      const offsets = new Array<string>(count);
      for (let i = 0; i < count; i++) {
        const message = messages[first + i]!;
        values[i] = message.value === null ? null : message.value.toString("utf8");
        offsets[i] = message.offset;
      }
      this.#queue.push({ type: "batch", topic, partition, values, offsets });
      this.#lastQueued.set(key, offsets[count - 1]!);
    }
    // Resolving moves kafkajs' fetch position only; commit() alone writes to the group.
    resolveOffset(messages[messages.length - 1]!.offset);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
