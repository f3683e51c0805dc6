/**
 * Runs every vector of ../shared/conformance (transcribed from Flink's CEP test suite) as its own
 * test, through the same runner as `deno task conformance`.
 */

import assert from "node:assert/strict";
import { runVector, type Vector } from "../cli/conformance.ts";

const root = Deno.env.get("EDGECEP_CONFORMANCE_DIR") ??
  new URL("../../shared/conformance", import.meta.url).pathname;

function vectorFiles(): string[] {
  const files: string[] = [];
  for (const suite of ["flink", "seed"]) {
    for (const entry of Deno.readDirSync(`${root}/${suite}`)) {
      if (entry.isFile && entry.name.endsWith(".json")) {
        files.push(`${root}/${suite}/${entry.name}`);
      }
    }
  }
  return files.sort();
}

let files: string[] = [];
try {
  files = vectorFiles();
} catch (error) {
  Deno.test("conformance vectors are present", () => {
    assert.fail(`Cannot read conformance vectors under "${root}": ${(error as Error).message}`);
  });
}

for (const file of files) {
  const vector = JSON.parse(Deno.readTextFileSync(file)) as Vector;
  Deno.test(`runVector() agrees with Flink on ${vector.name}`, () => {
    const result = runVector(vector);
    assert.equal(result.failure, null, result.failure ?? "");
  });
}
