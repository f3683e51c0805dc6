/**
 * Table names reach SQL text (they cannot be bound as `?` parameters), so they are restricted to
 * plain identifiers and always quoted.
 *
 * @module
 */

/** A plain MySQL identifier: no quoting tricks, no schema prefix, at most 64 characters. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Checks that a name is a plain SQL identifier.
 * @param name the identifier, e.g. a table name from `--tableName`
 * @param what what the name is, for the message, e.g. `table name`
 * @throws {RangeError} if `name` is not letters, digits and `_`, starting with a letter or `_`,
 *   at most 64 characters
 */
export function assertSqlIdentifier(name: string, what: string): void {
  if (!IDENTIFIER.test(name)) {
    throw new RangeError(
      `Invalid ${what} "${name}": use at most 64 letters, digits or "_", not starting with a digit`,
    );
  }
}

/**
 * Checks a plain SQL identifier and quotes it with backticks.
 * @param name the identifier
 * @param what what the name is, for the message
 * @returns the name in backticks, safe to put in SQL text
 * @throws {RangeError} as {@link assertSqlIdentifier}
 */
export function quoteSqlIdentifier(name: string, what: string): string {
  assertSqlIdentifier(name, what);
  return `\`${name}\``;
}
