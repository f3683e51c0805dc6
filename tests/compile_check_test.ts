/**
 * `deno task compile` cannot download its runtime offline, so CI checks its input instead (and
 * builds the binary when DENORT_BIN is set): see tests/compile_check.sh.
 */

import assert from "node:assert/strict";

Deno.test("deno compile input is complete: type-checks, no remote or dynamic imports", async () => {
  const repo = new URL("..", import.meta.url).pathname;
  const out = await new Deno.Command("bash", {
    args: [`${repo}/tests/compile_check.sh`],
    cwd: repo,
    env: { DENO: Deno.execPath() },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.match(text, /compile input complete/);
});

Deno.test("deno task check passes: formatting, lint and type check of the whole tree", async () => {
  const repo = new URL("..", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "check"],
    cwd: repo,
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
});
