/**
 * The end-to-end bench's workload: the demo's CSV lines, each key viewing its product four times
 * and never again, keys staggered so that one event in four completes a Rule 1 match, and the
 * rules the job runs (Rule 1, or one Rule 1 per product).
 *
 * @module
 */

/** Partitions of the bench topics. */
export const PARTITIONS = 4;
/** Views per key: three to reach `timesOrMore(3)`, the fourth is Rule 1's `end`. */
export const VIEWS_PER_KEY = 4;
/** The quick start's first event time. */
const FIRST_EVENT_TIME = 1_662_022_777_000;
/**
 * A key's four views are this many keys apart in the stream, so about three times this many keys
 * hold a partial match at any moment: state is bounded, but not all in cache.
 */
const STAGGER = 1_000;
/** Far enough after the stream for a trailer to move every partition's watermark past it. */
const TRAILER_DELAY_MS = 3_600_000;

/** One message: a CSV line and the partition of its key. */
export interface WorkloadMessage {
  readonly value: string;
  readonly partition: number;
}

/** The shape of a stream. */
export interface WorkloadOptions {
  /** Distinct `(id, productionId)` keys. */
  readonly keys: number;
  /** Products per user: 10 for the default stream, 1,000 for the many-rules stream. */
  readonly products: number;
}

/**
 * The line of view `view` (0..3) of key `k`, in the demo's CSV `id,name,action,productionId,
 * eventTime`, and its partition (by key, so a key's events stay in order on one partition).
 * @param k the key's index
 * @param products products per user
 * @param sequence the event's position in the stream, which sets its event time (1 ms apart)
 */
function view(k: number, products: number, sequence: number): WorkloadMessage {
  const id = Math.floor(k / products) + 1;
  const productionId = (k % products) + 1;
  return {
    value: `${id},U${id},0,${productionId},${FIRST_EVENT_TIME + sequence}`,
    partition: k % PARTITIONS,
  };
}

/**
 * The stream, unbounded: at step `t` the keys `t`, `t - STAGGER`, `t - 2 STAGGER` and
 * `t - 3 STAGGER` take their first, second, third and fourth view, so from step `3 STAGGER` on
 * every fourth event completes a match.
 * @param options keys (`Infinity` for a soak) and products per user
 */
export function* views(options: WorkloadOptions): Generator<WorkloadMessage> {
  let sequence = 0;
  for (let t = 0; t < options.keys + (VIEWS_PER_KEY - 1) * STAGGER; t++) {
    for (let j = 0; j < VIEWS_PER_KEY; j++) {
      const k = t - j * STAGGER;
      if (k >= 0 && k < options.keys) yield view(k, options.products, sequence++);
    }
  }
}

/**
 * The stream of `options.keys` keys, then one trailer per partition: a purchase (`action` 1,
 * which starts nothing) an hour of event time later, so that in event time every partition's
 * watermark passes all the views and every match is emitted.
 * @returns `keys * 4 + PARTITIONS` messages
 */
export function workload(options: WorkloadOptions): WorkloadMessage[] {
  const messages = [...views(options)];
  const last = FIRST_EVENT_TIME + messages.length;
  for (let p = 0; p < PARTITIONS; p++) {
    messages.push({ value: `0,U0,1,${p},${last + TRAILER_DELAY_MS + p}`, partition: p });
  }
  return messages;
}

/** The part of a rule's `pattern` JSON that a product rule changes: its nodes' conditions. */
export interface RulePattern {
  nodes: { name: string; condition: { expression?: string } | null }[];
}

/** Rule 1 of the quick start (`samples/rules/rule1.json`): its `pattern` object. */
export async function rule1Pattern(): Promise<RulePattern> {
  const url = new URL("../samples/rules/rule1.json", import.meta.url);
  return JSON.parse(await Deno.readTextFile(url)).pattern;
}

/**
 * Rule 1 for one product: its start condition becomes `action == 0 && productionId == N`.
 * @param rule1 Rule 1's pattern
 * @param productionId the product
 * @returns a new pattern
 * @throws {TypeError} if Rule 1 has no `start` node with an expression
 */
export function productRule(rule1: RulePattern, productionId: number): RulePattern {
  const pattern: RulePattern = structuredClone(rule1);
  const start = pattern.nodes.find((n) => n.name === "start");
  if (start?.condition?.expression === undefined) {
    throw new TypeError('Cannot derive a product rule: Rule 1 has no "start" expression');
  }
  start.condition.expression = `${start.condition.expression} && productionId == ${productionId}`;
  return pattern;
}
