/**
 * The pattern model the NFA compiler consumes: Flink's `Pattern` chain without its builder API.
 * `rules/` turns the JSON rule format into this model; the engine never sees JSON.
 *
 * @module
 */

/** An event as conditions see it: a flat record of named fields. */
export type Event = Readonly<Record<string, unknown>>;

/**
 * A compiled predicate over one event. It must be pure and total (no side effects, no throwing,
 * the same answer for the same event): the NFA remembers answers and may ask where Flink's `&&`
 * would have stopped short.
 *
 * What compiled it may describe it, so that an operator running many rules can share work
 * between them; a condition without this metadata is only ever equal to itself.
 */
export interface Condition {
  (event: Event): boolean;
  /**
   * A canonical text of what the condition tests: two conditions with the same signature give
   * the same answer for every event, so an operator evaluates them once per event.
   */
  readonly signature?: string;
  /**
   * Tests `field == value` that hold whenever the condition does (its conjuncts), so that an
   * operator can find the rules an event may start by the event's fields, as Esper's filter
   * indexes do. Each field is read as `event[field]`, an own property of the event.
   */
  readonly equalities?: readonly FieldEquality[];
}

/** A test `event[field] === value` (with `0` equal to `-0`). */
export interface FieldEquality {
  readonly field: string;
  readonly value: string | number | boolean;
}

/**
 * How a pattern follows the previous one (the edge type), or, as `innerConsumingStrategy`,
 * how the iterations of a looping pattern follow each other.
 * Flink: `Quantifier.ConsumingStrategy`.
 */
export type ConsumingStrategy =
  | "STRICT"
  | "SKIP_TILL_NEXT"
  | "SKIP_TILL_ANY"
  | "NOT_NEXT"
  | "NOT_FOLLOW";

/** The strategies allowed inside a loop. */
export type InnerConsumingStrategy = "STRICT" | "SKIP_TILL_NEXT" | "SKIP_TILL_ANY";

/** Flink: `Quantifier.QuantifierProperty`. */
export type QuantifierProperty = "SINGLE" | "LOOPING" | "TIMES" | "OPTIONAL" | "GREEDY";

/** Flink: `Quantifier`. */
export interface Quantifier {
  readonly properties: ReadonlySet<QuantifierProperty>;
  /** The edge from the previous pattern: next, followedBy, followedByAny, notNext, notFollowedBy. */
  readonly consumingStrategy: ConsumingStrategy;
  /** Between iterations: consecutive() is STRICT, allowCombinations() is SKIP_TILL_ANY. */
  readonly innerConsumingStrategy: InnerConsumingStrategy;
}

/** Flink: `Quantifier.Times`, with the optional window between iterations in milliseconds. */
export interface Times {
  readonly from: number;
  readonly to: number;
  readonly windowMs: number | null;
}

/** Flink: `WithinType`. */
export type WithinType = "FIRST_AND_LAST" | "PREVIOUS_AND_CURRENT";

/** Flink: `AfterMatchSkipStrategy` and its subclasses. */
export type AfterMatchSkipStrategy =
  | { readonly type: "NO_SKIP" }
  | { readonly type: "SKIP_TO_NEXT" }
  | { readonly type: "SKIP_PAST_LAST_EVENT" }
  | { readonly type: "SKIP_TO_FIRST"; readonly patternName: string }
  | { readonly type: "SKIP_TO_LAST"; readonly patternName: string };

/**
 * One element of a pattern sequence. Like Flink's `Pattern`, a sequence is a chain linked
 * backwards through `previous`; the NFA compiler walks it from the last element.
 */
export interface Pattern {
  readonly name: string;
  readonly quantifier: Quantifier;
  /** Set when the quantifier has LOOPING or TIMES. */
  readonly times: Times | null;
  /** `null` means always true. */
  readonly condition: Condition | null;
  readonly untilCondition: Condition | null;
  /** `within()` windows in milliseconds, keyed by their type. */
  readonly window: Readonly<Partial<Record<WithinType, number>>>;
  readonly previous: Pattern | null;
  /** For a group pattern (Flink's `GroupPattern`): the last element of the inner sequence. */
  readonly group: Pattern | null;
}

/** A complete pattern: its last element and what happens after a match. */
export interface PatternDefinition {
  readonly last: Pattern;
  readonly afterMatchSkipStrategy: AfterMatchSkipStrategy;
}

/** A condition-free marker for "always true", shared so the compiler can recognise it. */
export const TRUE_CONDITION: Condition = () => true;
