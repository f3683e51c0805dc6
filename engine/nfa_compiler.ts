/**
 * Compiles a pattern into NFA states. Flink: `nfa/compiler/NFACompiler.java` (Flink 1.19+, with
 * per-state windows, pending states for a trailing notFollowedBy and the greedy fixes).
 *
 * The compiler walks the pattern from its last element back to the first, so each element is
 * compiled knowing the state it leads to. The order in which states and transitions are created
 * follows Flink's exactly: internal names (`a`, `a:1`, …) and transition order decide per-state
 * windows and the order of branches, and so the matches.
 *
 * @module
 */

import { State } from "./state.ts";
import {
  type Condition,
  type ConsumingStrategy,
  type Pattern,
  type PatternDefinition,
  TRUE_CONDITION,
} from "./pattern.ts";
import { and, not } from "./_conditions.ts";

/** Flink: `NFACompiler.ENDING_STATE_NAME`. */
export const ENDING_STATE_NAME = "$endState$";
/** Flink names every group pattern so; it shows up in state names only. */
const GROUP_PATTERN_NAME = "GroupPattern";
/** Flink: `NFAStateNameHandler.STATE_NAME_DELIM`. */
export const STATE_NAME_DELIM = ":";

/**
 * The most states a compiled NFA may have. Flink has no limit, but each `times` iteration and
 * each level of a quantified group copies states, so one rule row (`times` 100000, or groups of
 * `times` inside `times`) could take minutes of CPU to compile and freeze the job. 10000 states
 * is over ten times what a `times(1000)` pattern needs (rules/ refuses `times` above 1000).
 */
export const MAX_NFA_STATES = 10_000;

/** Flink: `MalformedPatternException`: the pattern cannot be compiled. */
export class MalformedPatternError extends SyntaxError {
  /** @param message what is wrong */
  constructor(message: string) {
    super(message);
    this.name = "MalformedPatternError";
  }
}

/** The compiled automaton shared by every key of one rule. */
export interface CompiledNfa {
  readonly states: ReadonlyMap<string, State>;
  /** FIRST_AND_LAST window in milliseconds, 0 when none. */
  readonly windowTime: number;
  /** PREVIOUS_AND_CURRENT windows by state name. */
  readonly windowTimes: ReadonlyMap<string, number>;
}

/**
 * Flink: `NFAStateNameHandler#getOriginalNameFromInternal`.
 * @param internalName e.g. `middle:2`
 * @returns e.g. `middle`
 */
export function originalName(internalName: string): string {
  const i = internalName.indexOf(STATE_NAME_DELIM);
  return i < 0 ? internalName : internalName.slice(0, i);
}

/**
 * Compiles a pattern. Flink: `NFACompiler#compileFactory`.
 * @param definition the pattern and its skip strategy
 * @returns states and windows
 * @throws {MalformedPatternError} for patterns Flink's compiler rejects
 */
export function compileNfa(definition: PatternDefinition): CompiledNfa {
  const compiler = new NfaFactoryCompiler(definition);
  compiler.compileFactory();
  return {
    states: new Map(compiler.states.map((s) => [s.name, s])),
    windowTime: compiler.windowTime ?? 0,
    windowTimes: compiler.windowTimes,
  };
}

const isGroup = (p: Pattern): boolean => p.group !== null;
const nameOf = (p: Pattern): string => (isGroup(p) ? GROUP_PATTERN_NAME : p.name);
const has = (p: Pattern, property: string): boolean =>
  p.quantifier.properties.has(property as never);
const strategyOf = (p: Pattern): ConsumingStrategy => p.quantifier.consumingStrategy;
const conditionOf = (p: Pattern): Condition => p.condition ?? TRUE_CONDITION;

class NfaFactoryCompiler {
  readonly states: State[] = [];
  readonly windowTimes = new Map<string, number>();
  windowTime: number | undefined;
  readonly #usedNames = new Set<string>();
  /** The last counter tried per base name: names are only added, so the search resumes there. */
  readonly #nameCounters = new Map<string, number>();
  readonly #stopStates = new Map<string, State>();
  readonly #firstOfLoop = new Map<Pattern, boolean>();
  readonly #originalStates = new Map<string, State>();
  readonly #definition: PatternDefinition;
  #currentGroupPattern: Pattern | null = null;
  #currentPattern: Pattern;
  #followingPattern: Pattern | null = null;

  constructor(definition: PatternDefinition) {
    this.#definition = definition;
    this.#currentPattern = definition.last;
  }

  compileFactory(): void {
    const lastPattern = this.#currentPattern;
    this.#checkPatternNameUniqueness();
    this.#checkPatternSkipStrategy();
    let sink = this.#createEndingState();
    sink = this.#createMiddleStates(sink);
    this.#convertPattern(sink).makeStart();
    this.#checkPatternWindowTimes();
    if (
      strategyOf(lastPattern) === "NOT_FOLLOW" &&
      !((this.windowTimes.get(lastPattern.name) ?? 0) > 0) && (this.windowTime ?? 0) === 0
    ) {
      throw new MalformedPatternError(
        "NotFollowedBy is not supported without windowTime as a last part of a Pattern",
      );
    }
  }

  #checkPatternWindowTimes(): void {
    const window = this.windowTime;
    if (window === undefined) return;
    for (const time of this.windowTimes.values()) {
      if (time > window) {
        throw new MalformedPatternError(
          "Window length between the previous and current event cannot be larger than the " +
            "window length between the first and last event for a Pattern",
        );
      }
    }
  }

  #checkPatternSkipStrategy(): void {
    const strategy = this.#definition.afterMatchSkipStrategy;
    if (strategy.type !== "SKIP_TO_FIRST" && strategy.type !== "SKIP_TO_LAST") return;
    // Flink only looks at the top-level sequence, where a group is named "GroupPattern".
    let pattern = this.#currentPattern;
    while (pattern.previous !== null && nameOf(pattern) !== strategy.patternName) {
      pattern = pattern.previous;
    }
    if (nameOf(pattern) !== strategy.patternName) {
      throw new MalformedPatternError(
        `The pattern name "${strategy.patternName}" specified in AfterMatchSkipStrategy ` +
          "can not be found in the given Pattern",
      );
    }
  }

  #checkPatternNameUniqueness(): void {
    const names = new Set<string>([ENDING_STATE_NAME]);
    const visit = (last: Pattern | null): void => {
      for (let p = last; p !== null; p = p.previous) {
        if (p.group !== null) visit(p.group);
        else if (names.has(p.name)) {
          throw new MalformedPatternError(
            `Duplicate pattern name "${p.name}": names must be unique`,
          );
        } else names.add(p.name);
      }
    };
    visit(this.#currentPattern);
  }

  /** Flink: `getCurrentNotCondition`: NOT patterns reachable backwards through optionals. */
  #currentNotConditions(): [Condition, string][] {
    const result: [Condition, string][] = [];
    let previous = this.#currentPattern;
    while (
      previous.previous !== null &&
      (has(previous.previous, "OPTIONAL") || strategyOf(previous.previous) === "NOT_FOLLOW")
    ) {
      previous = previous.previous;
      if (strategyOf(previous) === "NOT_FOLLOW") {
        result.push([this.#takeCondition(previous), previous.name]);
      }
    }
    return result;
  }

  #createEndingState(): State {
    const end = this.#createNamedState(ENDING_STATE_NAME, "Final");
    this.windowTime = this.#currentPattern.window.FIRST_AND_LAST;
    return end;
  }

  #createMiddleStates(sinkState: State): State {
    let lastSink = sinkState;
    while (this.#currentPattern.previous !== null) {
      const current = this.#currentPattern;
      const strategy = strategyOf(current);
      if (strategy === "NOT_FOLLOW") {
        // A trailing notFollowedBy with a window waits in a pending state until it expires.
        const windowed = current.window.PREVIOUS_AND_CURRENT !== undefined ||
          (this.windowTime ?? 0) > 0;
        if (windowed && lastSink.isFinal) {
          const notFollow = this.#createState("Pending", true);
          const notCondition = this.#takeCondition(current);
          const stop = this.#createStopState(notCondition, current.name);
          notFollow.addProceed(stop, notCondition);
          notFollow.addIgnore(not(notCondition));
          lastSink = notFollow;
        }
      } else if (strategy === "NOT_NEXT") {
        const notNext = this.#createState("Normal", true);
        const notCondition = this.#takeCondition(current);
        const stop = this.#createStopState(notCondition, current.name);
        // Proceeding into the final state would complete the match before the next event.
        if (lastSink.isFinal) notNext.addIgnore(not(notCondition), lastSink);
        else notNext.addProceed(lastSink, not(notCondition));
        notNext.addProceed(stop, notCondition);
        lastSink = notNext;
      } else {
        lastSink = this.#convertPattern(lastSink);
      }
      this.#followingPattern = current;
      this.#currentPattern = current.previous!;
      const window = this.#currentPattern.window.FIRST_AND_LAST;
      if (window !== undefined && window < (this.windowTime ?? Number.MAX_SAFE_INTEGER)) {
        this.windowTime = window;
      }
    }
    return lastSink;
  }

  #convertPattern(sinkState: State): State {
    const current = this.#currentPattern;
    let lastSink: State;
    if (has(current, "LOOPING")) {
      this.#setFirstOfLoop(false);
      const sink = this.#copyWithoutTransitiveNots(sinkState);
      const looping = this.#createLooping(sink);
      this.#setFirstOfLoop(true);
      lastSink = this.#createTimesState(looping, sinkState);
    } else if (has(current, "TIMES")) {
      lastSink = this.#createTimesState(sinkState, sinkState);
    } else {
      lastSink = this.#createSingletonState(
        sinkState,
        sinkState,
        this.#takeCondition(current),
        this.#ignoreCondition(current),
        has(current, "OPTIONAL"),
      );
    }
    this.#addStopStates(lastSink);
    return lastSink;
  }

  /** Flink: `createState(StateType, boolean isTake)`: also records per-state windows. */
  #createState(type: State["type"], isTake: boolean): State {
    const current = this.#currentPattern;
    const state = this.#createNamedState(nameOf(current), type);
    if (isTake) {
      const times = current.times;
      if (times === null) {
        const window = current.window.PREVIOUS_AND_CURRENT;
        if (window !== undefined) this.windowTimes.set(state.name, window);
      } else if (state.name.includes(STATE_NAME_DELIM) && times.windowMs !== null) {
        // Flink applies times().windowTime only to the suffixed copies of a times state.
        this.windowTimes.set(state.name, times.windowMs);
      }
    }
    return state;
  }

  /** Flink: `createState(String, StateType)` with `NFAStateNameHandler#getUniqueInternalName`. */
  #createNamedState(name: string, type: State["type"]): State {
    if (this.states.length >= MAX_NFA_STATES) {
      throw new MalformedPatternError(
        `The pattern compiles to more than ${MAX_NFA_STATES} NFA states`,
      );
    }
    // Flink's loop from counter 1, resumed where it last stopped so that times(n) is not O(n²)
    let candidate = name;
    let counter = this.#nameCounters.get(name) ?? 1;
    if (this.#usedNames.has(candidate)) candidate = name + STATE_NAME_DELIM + counter;
    while (this.#usedNames.has(candidate)) candidate = name + STATE_NAME_DELIM + ++counter;
    this.#nameCounters.set(name, counter);
    this.#usedNames.add(candidate);
    const state = new State(candidate, type, this.states.length);
    this.states.push(state);
    return state;
  }

  #createStopState(notCondition: Condition, name: string): State {
    let stop = this.#stopStates.get(name);
    if (stop === undefined) {
      stop = this.#createNamedState(name, "Stop");
      stop.addTake(notCondition);
      this.#stopStates.set(name, stop);
    }
    return stop;
  }

  /**
   * Flink: `copyWithoutTransitiveNots`: taking an optional element cancels the NOT patterns
   * before it, so its TAKE leads to a copy of the sink without their stop transitions.
   */
  #copyWithoutTransitiveNots(sinkState: State): State {
    const nots = this.#currentNotConditions();
    if (nots.length === 0 || !has(this.#currentPattern, "OPTIONAL")) return sinkState;
    const copy = this.#createNamedState(sinkState.name, sinkState.type);
    for (const t of sinkState.transitions) {
      if (t.action === "PROCEED") {
        let target = t.target;
        let remove = false;
        if (target.isStop) remove = nots.some(([, name]) => target.name === name);
        else target = this.#copyWithoutTransitiveNots(t.target);
        if (!remove) copy.addStateTransition(t.action, target, t.condition);
      } else {
        copy.addStateTransition(t.action, t.target === t.source ? copy : t.target, t.condition);
      }
    }
    return copy;
  }

  /** Flink: `copy`. */
  #copy(state: State): State {
    const copy = this.#createNamedState(originalName(state.name), state.type);
    for (const t of state.transitions) {
      copy.addStateTransition(t.action, t.target === t.source ? copy : t.target, t.condition);
    }
    return copy;
  }

  #addStopStates(state: State): void {
    for (const [condition, name] of this.#currentNotConditions()) {
      state.addProceed(this.#createStopState(condition, name), condition);
    }
  }

  #addStopStateToLooping(state: State): void {
    const following = this.#followingPattern;
    if (following !== null && strategyOf(following) === "NOT_FOLLOW") {
      const condition = this.#takeCondition(following);
      state.addProceed(this.#createStopState(condition, following.name), condition);
    }
  }

  #createTimesState(sinkState: State, proceedState: State): State {
    const current = this.#currentPattern;
    const times = current.times!;
    let lastSink = sinkState;
    this.#setFirstOfLoop(false);
    const until = current.untilCondition;
    const innerIgnore = extendWithUntil(this.#innerIgnoreCondition(current), until, false);
    const take = extendWithUntil(this.#takeCondition(current), until, true)!;
    if (has(current, "GREEDY") && times.from !== times.to) {
      if (until !== null) this.#originalStates.set(sinkState.name, this.#copy(sinkState));
      updateWithGreedyCondition(sinkState, take);
    }
    for (let i = times.from; i < times.to; i++) {
      lastSink = this.#createSingletonState(lastSink, proceedState, take, innerIgnore, true);
      this.#addStopStateToLooping(lastSink);
    }
    for (let i = 0; i < times.from - 1; i++) {
      lastSink = this.#createSingletonState(lastSink, null, take, innerIgnore, false);
      this.#addStopStateToLooping(lastSink);
    }
    this.#setFirstOfLoop(true);
    return this.#createSingletonState(
      lastSink,
      proceedState,
      take,
      this.#ignoreCondition(current),
      has(current, "OPTIONAL"),
    );
  }

  #setFirstOfLoop(isFirstOfLoop: boolean): void {
    if (isGroup(this.#currentPattern)) this.#firstOfLoop.set(this.#currentPattern, isFirstOfLoop);
  }

  #isCurrentGroupPatternFirstOfLoop(): boolean {
    const group = this.#currentGroupPattern;
    return group === null ? true : (this.#firstOfLoop.get(group) ?? true);
  }

  #headOfGroup(pattern: Pattern): boolean {
    return this.#currentGroupPattern !== null && pattern.previous === null;
  }

  #isHeadOfOptionalGroupPattern(pattern: Pattern): boolean {
    return this.#headOfGroup(pattern) && this.#isCurrentGroupPatternFirstOfLoop() &&
      has(this.#currentGroupPattern!, "OPTIONAL");
  }

  #createSingletonState(
    sinkState: State,
    proceedState: State | null,
    take: Condition,
    ignore: Condition | null,
    isOptional: boolean,
  ): State {
    const current = this.#currentPattern;
    if (isGroup(current)) {
      return this.#createGroupPatternState(current, sinkState, proceedState, isOptional);
    }
    const singleton = this.#createState("Normal", true);
    const sink = this.#copyWithoutTransitiveNots(sinkState);
    singleton.addTake(take, sink);
    const proceed = this.#trueFunction();
    if (isOptional) {
      if (has(current, "GREEDY")) {
        const until = current.untilCondition;
        if (until !== null) {
          singleton.addProceed(this.#originalStates.get(proceedState!.name)!, and(proceed, until));
        }
        singleton.addProceed(proceedState!, until !== null ? and(proceed, not(until)) : proceed);
      } else {
        singleton.addProceed(proceedState!, proceed);
      }
    }
    if (ignore !== null) {
      let ignoreState = singleton;
      if (isOptional || this.#isHeadOfOptionalGroupPattern(current)) {
        ignoreState = this.#createState("Normal", false);
        ignoreState.addTake(take, sink);
        ignoreState.addIgnore(ignore);
        this.#addStopStates(ignoreState);
      }
      singleton.addIgnore(ignore, ignoreState);
    }
    return singleton;
  }

  #withGroup(group: Pattern, build: () => State): State {
    const saved = [
      this.#currentPattern,
      this.#followingPattern,
      this.#currentGroupPattern,
    ] as const;
    this.#currentGroupPattern = group;
    this.#currentPattern = group.group!;
    try {
      return build();
    } finally {
      [this.#currentPattern, this.#followingPattern, this.#currentGroupPattern] = saved;
    }
  }

  #createGroupPatternState(
    group: Pattern,
    sinkState: State,
    proceedState: State | null,
    isOptional: boolean,
  ): State {
    const proceed = this.#trueFunction();
    return this.#withGroup(group, () => {
      const lastSink = this.#convertPattern(this.#createMiddleStates(sinkState));
      if (isOptional) lastSink.addProceed(proceedState!, proceed);
      return lastSink;
    });
  }

  #createLoopingGroupPatternState(group: Pattern, sinkState: State): State {
    const proceed = this.#trueFunction();
    const dummy = this.#createState("Normal", true);
    return this.#withGroup(group, () => {
      const lastSink = this.#convertPattern(this.#createMiddleStates(dummy));
      lastSink.addProceed(sinkState, proceed);
      dummy.addProceed(lastSink, proceed);
      return lastSink;
    });
  }

  #createLooping(sinkState: State): State {
    const current = this.#currentPattern;
    if (isGroup(current)) return this.#createLoopingGroupPatternState(current, sinkState);
    const until = current.untilCondition;
    const ignore = extendWithUntil(this.#innerIgnoreCondition(current), until, false);
    const take = extendWithUntil(this.#takeCondition(current), until, true)!;
    const proceed = this.#trueFunction();
    const looping = this.#createState("Normal", true);
    if (has(current, "GREEDY")) {
      if (until !== null) {
        const sinkCopy = this.#copy(sinkState);
        looping.addProceed(sinkCopy, and(proceed, until));
        this.#originalStates.set(sinkState.name, sinkCopy);
      }
      looping.addProceed(sinkState, until !== null ? and(proceed, not(until)) : proceed);
      updateWithGreedyCondition(sinkState, this.#takeCondition(current));
    } else {
      looping.addProceed(sinkState, proceed);
    }
    looping.addTake(take);
    this.#addStopStateToLooping(looping);
    if (ignore !== null) {
      const ignoreState = this.#createState("Normal", false);
      ignoreState.addTake(take, looping);
      ignoreState.addIgnore(ignore);
      looping.addIgnore(ignore, ignoreState);
      this.#addStopStateToLooping(ignoreState);
    }
    return looping;
  }

  #groupUntil(): Condition | null {
    return this.#currentGroupPattern?.untilCondition ?? null;
  }

  #ignoreFor(strategy: ConsumingStrategy, pattern: Pattern): Condition | null {
    let ignore: Condition | null = null;
    if (strategy === "SKIP_TILL_NEXT") ignore = not(conditionOf(pattern));
    else if (strategy === "SKIP_TILL_ANY") ignore = TRUE_CONDITION;
    return extendWithUntil(ignore, this.#groupUntil(), false);
  }

  #innerIgnoreCondition(pattern: Pattern): Condition | null {
    const strategy = this.#headOfGroup(pattern)
      ? this.#currentGroupPattern!.quantifier.innerConsumingStrategy
      : pattern.quantifier.innerConsumingStrategy;
    return this.#ignoreFor(strategy, pattern);
  }

  #ignoreCondition(pattern: Pattern): Condition | null {
    let strategy = strategyOf(pattern);
    if (this.#headOfGroup(pattern)) {
      const group = this.#currentGroupPattern!.quantifier;
      strategy = this.#isCurrentGroupPatternFirstOfLoop()
        ? group.consumingStrategy
        : group.innerConsumingStrategy;
    }
    return this.#ignoreFor(strategy, pattern);
  }

  #takeCondition(pattern: Pattern): Condition {
    return extendWithUntil(conditionOf(pattern), this.#groupUntil(), true)!;
  }

  #trueFunction(): Condition {
    return extendWithUntil(TRUE_CONDITION, this.#groupUntil(), true)!;
  }
}

/** Flink: `extendWithUntilCondition`. */
function extendWithUntil(
  condition: Condition | null,
  until: Condition | null,
  isTakeCondition: boolean,
): Condition | null {
  if (until !== null && condition !== null) return and(not(until), condition);
  if (until !== null && isTakeCondition) return not(until);
  return condition;
}

/** Flink: `updateWithGreedyCondition`: the sink may only be entered by events the loop refuses. */
function updateWithGreedyCondition(state: State, take: Condition): void {
  for (const t of state.transitions) t.condition = and(t.condition ?? TRUE_CONDITION, not(take));
}
