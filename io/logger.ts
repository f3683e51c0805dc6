/**
 * Minimal structured logging for the job's edges: plain text for people, JSON lines for machines.
 *
 * @module
 */

/** Extra fields attached to a log line. Values are printed as JSON. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Severity of a log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Where the job reports what it does. */
export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** `text` (default) or `json` (one JSON object a line). */
  readonly format?: "text" | "json";
  /** Lines below this level are dropped; default `info`. */
  readonly level?: LogLevel;
  /** Where lines go; default stderr, so that stdout carries only match lines. */
  readonly write?: (line: string) => void;
  /** Injected clock for tests. */
  readonly now?: () => number;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Creates a logger.
 * @param options format, level and destination
 * @returns the logger
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? "text";
  const min = LEVELS[options.level ?? "info"];
  const encoder = new TextEncoder();
  const write = options.write ??
    ((line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n")));
  const now = options.now ?? Date.now;
  return {
    log(level, message, fields = {}) {
      if (LEVELS[level] < min) return;
      const time = new Date(now()).toISOString();
      if (format === "json") {
        write(JSON.stringify({ time, level, msg: message, ...fields }));
        return;
      }
      const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join("");
      write(`${time} ${level.toUpperCase()} ${message}${extra}`);
    },
  };
}

/** A logger that drops everything, for tests that do not check logs. */
export const SILENT_LOGGER: Logger = { log() {} };
