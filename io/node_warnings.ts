/**
 * Node-compatible warnings (`process.emitWarning`) as log lines. Under Deno, kafkajs triggers a
 * `TimeoutNegativeWarning` on every start, printed raw on stderr, which breaks `--logFormat json`.
 *
 * @module
 */

import process from "node:process";
import type { Logger } from "./logger.ts";

/**
 * Sends every later Node-style warning to the logger instead of stderr: harmless
 * `TimeoutNegativeWarning`s (Node clamps the timer to 1 ms) at debug level, others as warnings.
 * @param logger where the warnings go
 */
export function routeNodeWarnings(logger: Logger): void {
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0];
    const type = warning instanceof Error
      ? warning.name
      : typeof options === "string"
      ? options
      : (options as { type?: string } | undefined)?.type ?? "Warning";
    const message = warning instanceof Error ? warning.message : String(warning);
    const level = type === "TimeoutNegativeWarning" ? "debug" : "warn";
    logger.log(level, "runtime warning", { type, message });
  }) as typeof process.emitWarning;
}
