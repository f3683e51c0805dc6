/**
 * The conformance vectors of ../shared/conformance (or `EDGECEP_CONFORMANCE_DIR`), for tests that
 * run each of them.
 */

import type { Vector } from "../../cli/conformance.ts";

/** The directory holding the `flink` and `seed` suites. */
export const conformanceRoot = Deno.env.get("EDGECEP_CONFORMANCE_DIR") ??
  new URL("../../../shared/conformance", import.meta.url).pathname;

/** The vector files of both suites, sorted. */
export function vectorFiles(): string[] {
  const files: string[] = [];
  for (const suite of ["flink", "seed"]) {
    for (const entry of Deno.readDirSync(`${conformanceRoot}/${suite}`)) {
      if (entry.isFile && entry.name.endsWith(".json")) {
        files.push(`${conformanceRoot}/${suite}/${entry.name}`);
      }
    }
  }
  return files.sort();
}

/** Reads one vector file. */
export function readVector(file: string): Vector {
  return JSON.parse(Deno.readTextFileSync(file)) as Vector;
}
