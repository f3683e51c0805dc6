import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { DirectoryRuleStore } from "../../io/directory_rule_store.ts";
import type { Logger } from "../../io/logger.ts";
import { captureLogger } from "../_helpers/capture_logger.ts";
import { waitFor } from "../_helpers/wait_for.ts";
import { watchRuleStore } from "../_helpers/watch_rule_store.ts";

const SAMPLES = new URL("../../samples/", import.meta.url);
const DEMO_FUNCTION = "com.alibaba.ververica.cep.demo.dynamic.DemoPatternProcessFunction";

/** The pattern column of a shipped SQL sample: the third quoted value of its INSERT. */
async function sqlPattern(name: string): Promise<string> {
  const sql = await Deno.readTextFile(new URL(name, SAMPLES));
  const match = sql.match(/values\s*\(\s*'1'\s*,\s*\d+\s*,\s*'([^']*)'/i);
  assert(match?.[1] !== undefined, `no INSERT in ${name}`);
  return match[1];
}

/** Watches `path` (a fresh directory by default) and returns a function for the next snapshot. */
async function openStore(logger: Logger = captureLogger(), path?: string) {
  const directory = path ?? await Deno.makeTempDir();
  const store = new DirectoryRuleStore({ path: directory, intervalMs: 20, logger });
  return { directory, ...watchRuleStore(store) };
}

Deno.test("DirectoryRuleStore() throws RangeError when the interval is not positive", () => {
  assert.throws(() => new DirectoryRuleStore({ path: ".", intervalMs: -5 }), {
    name: "RangeError",
    message: 'Invalid rule poll interval "-5": expected a whole number of ms > 0',
  });
});

Deno.test("DirectoryRuleStore.watch() yields the shipped sample rules as the quick start's rows", async () => {
  const logger = captureLogger();
  await using store = await openStore(logger, new URL("rules/", SAMPLES).pathname);
  assertEquals(await store.next(), [
    {
      id: "1",
      version: 1,
      pattern: await sqlPattern("quickstart_rule1.sql"),
      function: DEMO_FUNCTION,
    },
    {
      id: "1",
      version: 2,
      pattern: await sqlPattern("quickstart_rule2.sql"),
      function: DEMO_FUNCTION,
    },
  ]);
  assertEquals(logger.lines.map((line) => line.message), [
    'Rule id "1" is defined by several files: "rule1.json", "rule2.json"',
  ]);
});

Deno.test("DirectoryRuleStore.watch() follows files as they are added, replaced and deleted", async () => {
  await using store = await openStore();
  const file = `${store.directory}/quickstart.json`;
  assertEquals(await store.next(), []);

  await Deno.copyFile(new URL("rules/rule1.json", SAMPLES), file);
  assertEquals((await store.next()).map((row) => [row.id, row.version]), [["1", 1]]);

  // The quick start's DELETE + INSERT of Rule 2 is one overwrite of the file.
  await Deno.copyFile(new URL("rules/rule2.json", SAMPLES), file);
  assertEquals((await store.next()).map((row) => [row.id, row.version]), [["1", 2]]);

  await Deno.remove(file);
  assertEquals(await store.next(), []);
});

Deno.test("DirectoryRuleStore.watch() reads every row form in file-name order", async () => {
  await using store = await openStore();
  const write = (name: string, value: unknown) =>
    Deno.writeTextFile(`${store.directory}/${name}`, JSON.stringify(value));
  await write("b.json", { id: 7, version: "3", pattern: '{"name":"x"}', note: "ignored" });
  await write("a.json", { id: "r1", version: 1, pattern: { name: "end" }, function: "f" });
  await write("c.json", { id: "r2", version: 1, pattern: null, function: null });
  await write(".a.json", { id: "hidden", version: 1 });
  await write("d.txt", { id: "text", version: 1 });
  await Deno.mkdir(`${store.directory}/e.json`);
  assertEquals(await store.next(), [
    { id: "r1", version: 1, pattern: '{"name":"end"}', function: "f" },
    { id: "7", version: 3, pattern: '{"name":"x"}', function: null },
    { id: "r2", version: 1, pattern: null, function: null },
  ]);
});

Deno.test("DirectoryRuleStore.watch() skips a file that cannot name a rule and logs it once", async () => {
  const logger = captureLogger();
  await using store = await openStore(logger);
  const file = `${store.directory}/r.json`;
  const cases: [string, string][] = [
    ["{ not json", 'Skipping rule file "r.json": it is not valid JSON ('],
    ["[1]", 'Skipping rule file "r.json": it is not a JSON object'],
    ['{"version":1}', 'Skipping rule file "r.json": "id" must be a non-empty string or an integer'],
    ['{"id":"1","version":1.5}', 'Skipping rule file "r.json": "version" must be an integer'],
    [
      '{"id":"1","version":1,"pattern":3}',
      'Skipping rule file "r.json": "pattern" must be a JSON object, a string or null',
    ],
    [
      '{"id":"1","version":1,"function":[]}',
      'Skipping rule file "r.json": "function" must be a string or null',
    ],
  ];
  for (const [text, message] of cases) {
    await Deno.writeTextFile(file, text);
    logger.lines.length = 0;
    assertEquals(await store.next(), []);
    assertEquals(await store.next(), []);
    assertEquals(logger.lines.length, 1, `logged once for ${text}`);
    assert(logger.lines[0]?.message.startsWith(message), logger.lines[0]?.message ?? "no log line");
  }
});

Deno.test("DirectoryRuleStore.watch() keeps a file's previous rule when its new content is invalid", async () => {
  const logger = captureLogger();
  await using store = await openStore(logger);
  const file = `${store.directory}/r.json`;
  const rule = { id: "1", version: 1, pattern: "{}", function: null };
  await Deno.writeTextFile(file, JSON.stringify(rule));
  assertEquals(await store.next(), [rule]);
  // What a reader may see while `cp` is halfway through.
  await Deno.writeTextFile(file, '{"id":"1","vers');
  assertEquals(await store.next(), [rule]);
  assertEquals(logger.lines.map((line) => line.message.replace(/ \(.*/, "")), [
    'Keeping the previous version of rule file "r.json": it is not valid JSON',
  ]);
  await Deno.writeTextFile(file, JSON.stringify({ ...rule, version: 2 }));
  assertEquals(await store.next(), [{ ...rule, version: 2 }]);
});

Deno.test("DirectoryRuleStore.watch() yields nothing and logs once while the directory is missing", async () => {
  const logger = captureLogger();
  const directory = `${await Deno.makeTempDir()}/rules`;
  await using store = await openStore(logger, directory);
  const first = store.next();
  await waitFor(() => logger.lines.length > 0, "the failure to be logged");
  await new Promise((resolve) => setTimeout(resolve, 100));
  await Deno.mkdir(directory);
  assertEquals(await first, []);
  assertEquals(logger.lines.map((line) => [line.level, line.message]), [
    ["warn", "Rule directory unreadable, retrying"],
    ["info", "Rule directory readable again"],
  ]);
});
