/**
 * Synthetic click-stream events shaped like the quick start's parsed CSV lines
 * (`1,Ken,0,1,1662022777000` → `{ id, name, action, productionId, eventTime }`).
 *
 * @module
 */

import type { Event } from "../engine/mod.ts";

/** The quick start's event fields. */
export interface ClickEvent extends Event {
  readonly id: number;
  readonly name: string;
  readonly action: number;
  readonly productionId: number;
  readonly eventTime: number;
}

/** Options for {@link generateEvents}. */
export interface GenerateOptions {
  /** Number of distinct `(id, productionId)` keys. */
  readonly keys: number;
  /** Products per user, so `keys / productsPerUser` users. */
  readonly productsPerUser: number;
  /** Probability of `action == 0` (view); the rest is split evenly between 1 and 2. */
  readonly viewProbability: number;
  /** PRNG seed, so every run sees the same stream. */
  readonly seed: number;
}

const NAMES = ["Ken", "Tom", "Ali", "Mia", "Zoe", "Raj", "Li", "Eva"] as const;
/** The quick start's first event time. */
const FIRST_EVENT_TIME = 1_662_022_777_000;

/**
 * mulberry32: tiny, fast and deterministic, which is all a benchmark stream needs.
 * @param seed any 32-bit integer
 * @returns a function giving floats in [0, 1)
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Yields `count` events with strictly increasing timestamps, keys drawn uniformly. A generator so
 * that the memory measurement can feed events that nothing but the engine keeps alive.
 * @param count number of events
 * @param options key space, action mix and seed
 */
export function* eventStream(count: number, options: GenerateOptions): Generator<ClickEvent> {
  const random = mulberry32(options.seed);
  const half = (1 - options.viewProbability) / 2;
  for (let i = 0; i < count; i++) {
    const k = Math.floor(random() * options.keys);
    const id = Math.floor(k / options.productsPerUser) + 1;
    const productionId = (k % options.productsPerUser) + 1;
    const r = random();
    const action = r < options.viewProbability ? 0 : r < options.viewProbability + half ? 1 : 2;
    // 1 ms apart: increasing, and about a day and a half over a million events.
    const eventTime = FIRST_EVENT_TIME + i;
    yield { id, name: NAMES[id % NAMES.length]!, action, productionId, eventTime };
  }
}

/**
 * Materialises {@link eventStream} so the timed loops measure matching, not generation.
 * @returns the events in arrival order
 */
export function generateEvents(count: number, options: GenerateOptions): ClickEvent[] {
  return Array.from(eventStream(count, options));
}

/**
 * The quick start's `keyBy(id, productionId)`, built per event as a key selector would, so both
 * matchers pay for a fresh string and its hash.
 */
export function keyOf(event: ClickEvent): string {
  return `${event.id},${event.productionId}`;
}
