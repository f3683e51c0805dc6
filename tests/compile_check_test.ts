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
  const stdout = new TextDecoder().decode(out.stdout);
  const text = stdout + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  const last = stdout.trimEnd().split("\n").at(-1);
  assert.equal(
    last,
    Deno.env.get("DENORT_BIN")
      ? "compile input complete; built dist/edgecep and ran its check-rule"
      : "compile input complete; no binary built (DENORT_BIN is not set: deno compile would " +
        "download its runtime)",
  );
});

Deno.test("deno task compile says whether it built a binary, and what it needs when it could not", async () => {
  const repo = new URL("..", import.meta.url).pathname;
  const out = await new Deno.Command("bash", {
    args: [`${repo}/scripts/compile.sh`],
    cwd: repo,
    env: { DENO: Deno.execPath(), NO_COLOR: "1" },
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).trimEnd();
  const stderr = new TextDecoder().decode(out.stderr).trimEnd();
  // With the internet (or DENORT_BIN) it builds; offline, as on the project's machines, it says why not.
  if (out.code === 0) {
    assert.equal(stdout, "built dist/edgecep");
    return;
  }
  const version = Deno.version.deno;
  assert.equal(out.code, 1, stderr);
  assert.equal(stdout, "");
  assert.equal(Deno.env.get("DENORT_BIN"), undefined, stderr);
  assert.equal(
    stderr.split("\n").at(-1),
    `deno compile needs its runtime, denort ${version}: run it with internet access, or set ` +
      `DENORT_BIN to a local denort ${version} binary (from denort-x86_64-unknown-linux-gnu.zip ` +
      "of that release). No binary was built.",
  );
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
