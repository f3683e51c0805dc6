/**
 * A logger that keeps what it is given, for tests that check what the io edges report.
 *
 * @module
 */

import type { LogFields, Logger, LogLevel } from "../../io/logger.ts";

/** One call of {@link Logger.log}, as made. */
export interface LogLine {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
}

/** A {@link Logger} whose calls are kept in `lines`, oldest first. */
export interface CapturingLogger extends Logger {
  /** Every call so far; tests may empty it (`lines.length = 0`) between phases. */
  readonly lines: LogLine[];
}

/**
 * Creates a logger that records every call, whatever its level.
 * @returns the logger and its lines
 */
export function captureLogger(): CapturingLogger {
  const lines: LogLine[] = [];
  return { lines, log: (level, message, fields = {}) => lines.push({ level, message, fields }) };
}
