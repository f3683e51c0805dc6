/**
 * The closures of Aviator's ternary `?:` and regex match `=~` (Groovy `==~`), apart from the
 * shapes of `_expression_closures.ts`.
 *
 * @module
 */

import type { Compiled, Fn } from "./_expression_closures.ts";

/**
 * `test ? then : otherwise`: only `true` picks `then`, as only `true` is true in the subset.
 *
 * @param test the test, of static type boolean or any
 * @param then the value when the test is true
 * @param otherwise the value in every other case
 * @returns the node; its type is the branches' when they agree, else any
 */
export function conditionalWith(test: Compiled, then: Compiled, otherwise: Compiled): Compiled {
  const t = test.fn;
  const a = then.fn;
  const b = otherwise.fn;
  const type = then.type === otherwise.type ? then.type : "any";
  return { type, fn: (e) => t(e) === true ? a(e) : b(e) };
}

/**
 * `s =~ /re/`: true when the whole string matches, as Java's `Matcher#matches`, which both Aviator
 * and Groovy's `==~` use. The regex is JavaScript's, which reads Java's common syntax alike; what
 * JavaScript cannot read (possessive quantifiers, `(?i)`) is refused.
 *
 * @param subject the string to match
 * @param pattern the regex literal's text
 * @returns the predicate, false for anything but a string
 * @throws {SyntaxError} when JavaScript cannot read the regex
 */
export function matchWith(subject: Fn, pattern: string): Fn {
  new RegExp(pattern); // reports a bad pattern without the anchors added below
  const re = new RegExp(`^(?:${pattern})$`);
  return (e) => {
    const v = subject(e);
    return typeof v === "string" && re.test(v);
  };
}
