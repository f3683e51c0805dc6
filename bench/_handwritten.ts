/**
 * A matcher written by hand for exactly the quick start's Rule 1, the practical upper limit for
 * the engine on that rule:
 *
 * ```
 * begin("start", skipPastLastEvent()).where(action == 0).timesOrMore(3)
 *   .followedBy("end").where(action != 1)
 * ```
 *
 * Why one counter per key is enough (walking the NFA that `compileNfa` builds):
 * - Every `action == 0` event starts a run; the earliest run has taken every view since the last
 *   match, so it is the first to reach three and the only one whose match can be emitted first.
 *   Later runs only ever end up pruned.
 * - Before three views, other actions are ignored (inner SKIP_TILL_NEXT ignores what the take
 *   condition refuses), so views need not be adjacent.
 * - With three or more views, an event with `action != 1` completes the match as `end`, including
 *   another view (the loop takes it too, but that branch is pruned). An `action == 1` is ignored
 *   both by the loop and by `end` (followedBy ignores what `end` refuses), so it never breaks the
 *   run: the next `action != 1` still completes it.
 * - The third view itself cannot be `end`: `end` must take a later event.
 * - SKIP_PAST_LAST_EVENT prunes every run that started at or before the `end` event, including
 *   the one a view used as `end` would start, so the count restarts at zero.
 *
 * @module
 */

/** Options for {@link HandwrittenRule1}. */
export interface HandwrittenOptions {
  /** timesOrMore(n). */
  readonly minViews: number;
}

/** Rule 1 as a per-key counter of views since the last match. */
export class HandwrittenRule1 {
  readonly #views = new Map<string, number>();
  readonly #minViews: number;

  /** @param options the loop's lower bound */
  constructor(options: HandwrittenOptions = { minViews: 3 }) {
    this.#minViews = options.minViews;
  }

  /**
   * Feeds one event of `key`.
   * @param key the event's key
   * @param action the event's `action` field
   * @returns whether the event completed a match
   */
  process(key: string, action: number): boolean {
    const views = this.#views.get(key) ?? 0;
    if (views >= this.#minViews && action !== 1) {
      // The engine frees a key whose state is empty after a match; do the same.
      this.#views.delete(key);
      return true;
    }
    if (action === 0) this.#views.set(key, views + 1);
    return false;
  }
}
