/**
 * Runs every vector of ../shared/conformance (transcribed from Flink's CEP test suite) as its own
 * test, through the same runner as `deno task conformance`.
 */

import assert from "node:assert/strict";
import { runVector } from "../cli/conformance.ts";
import { conformanceRoot, readVector, vectorFiles } from "./_helpers/conformance_vectors.ts";

let files: string[] = [];
try {
  files = vectorFiles();
} catch (error) {
  Deno.test("conformance vectors are present", () => {
    assert.fail(
      `Cannot read conformance vectors under "${conformanceRoot}": ${(error as Error).message}`,
    );
  });
}

for (const file of files) {
  const vector = readVector(file);
  Deno.test(`runVector() agrees with Flink on ${vector.name}`, () => {
    const result = runVector(vector);
    assert.equal(result.failure, null, result.failure ?? "");
  });
}
