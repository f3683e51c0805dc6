// There is no Docker engine on the project's machines, so the Dockerfile is checked as text: base
// images pinned by digest, and the data directory created and owned by the runtime user.
import assert from "node:assert/strict";

const DOCKERFILE = await Deno.readTextFile(new URL("../Dockerfile", import.meta.url));
const instructions = DOCKERFILE.split("\n").filter((l) => /^[A-Z]+ /.test(l));

Deno.test("Dockerfile pins every base image by digest and says how to update them", () => {
  const froms = instructions.filter((l) => l.startsWith("FROM "));
  assert.equal(froms.length, 2);
  for (const from of froms) assert.match(from, /^FROM \S+:\S+@sha256:[0-9a-f]{64}( AS \w+)?$/);
  assert.match(DOCKERFILE, /# \(or `crane digest IMAGE:TAG`\), replace the tag and the @sha256/);
});

Deno.test("Dockerfile creates /var/lib/edgecep owned by the non-root runtime user before USER", () => {
  const runtime = instructions.slice(instructions.findLastIndex((l) => l.startsWith("FROM ")));
  const copy = runtime.findIndex((l) =>
    l === "COPY --from=build --chown=65532:65532 /out/var/lib/edgecep /var/lib/edgecep"
  );
  assert.ok(copy > 0, runtime.join("\n"));
  assert.ok(instructions.includes("RUN mkdir -p /out/var/lib/edgecep"));
  assert.deepEqual(runtime.slice(copy + 1, copy + 3), [
    "USER nonroot",
    'VOLUME ["/var/lib/edgecep"]',
  ]);
  assert.match(runtime[0]!, /^FROM gcr\.io\/distroless\/cc-debian12:nonroot@/);
});
