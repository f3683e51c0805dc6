/**
 * Versions of partial matches. Flink: `nfa/DeweyNumber.java` (without its serializer).
 *
 * A Dewey number is a list of digits such as `1.0.2`. Every branch of a run increases the last
 * digit; every TAKE adds a stage. Only compatible versions are followed when a match is read back
 * from the shared buffer, which keeps runs that share events apart.
 *
 * @module
 */

/** An immutable Dewey number. */
export type DeweyNumber = readonly number[];

/**
 * Creates a one-digit Dewey number.
 * @param start the first digit
 * @returns the number `start`
 */
export function deweyNumber(start: number): DeweyNumber {
  return [start];
}

/**
 * Flink: `DeweyNumber#increase`.
 * @param version the number to copy
 * @param times how much to add to the last digit
 * @returns a new number with the last digit increased
 */
export function increase(version: DeweyNumber, times = 1): DeweyNumber {
  // Dewey numbers are never mutated, so an increase by 0 can share the array.
  if (times === 0) return version;
  const next = version.slice();
  next[next.length - 1]! += times;
  return next;
}

/**
 * Flink: `DeweyNumber#addStage`.
 * @param version the number to copy
 * @returns a new number with a trailing `0` digit
 */
export function addStage(version: DeweyNumber): DeweyNumber {
  // Array literals are exact-size and fast; slice + push would leave growth slack in every run's
  // state, and concat takes a slow generic path.
  switch (version.length) {
    case 1:
      return [version[0]!, 0];
    case 2:
      return [version[0]!, version[1]!, 0];
    case 3:
      return [version[0]!, version[1]!, version[2]!, 0];
    case 4:
      return [version[0]!, version[1]!, version[2]!, version[3]!, 0];
    default: {
      const next = version.slice();
      next.push(0);
      return next;
    }
  }
}

/**
 * Flink: `DeweyNumber#isCompatibleWith`. `a` is compatible with `b` if `b` is a prefix of `a`, or
 * if both have the same length, the same leading digits and `a`'s last digit is not smaller.
 * @param a the version being followed
 * @param b the version of an edge
 * @returns whether the edge belongs to the run of version `a`
 */
export function isCompatibleWith(a: DeweyNumber, b: DeweyNumber): boolean {
  if (a.length > b.length) {
    for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (a.length === b.length) {
    const last = a.length - 1;
    for (let i = 0; i < last; i++) if (a[i] !== b[i]) return false;
    return a[last]! >= b[last]!;
  }
  return false;
}
