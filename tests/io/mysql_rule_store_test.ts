import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { Logger } from "../../io/logger.ts";
import { MysqlRuleStore } from "../../io/mysql_rule_store.ts";
import {
  DEMO_FUNCTION,
  RESET_QUICK_START_TABLES,
  RULE_1_INSERT,
  RULE_1_PATTERN,
  RULE_2_PATTERN,
  RULE_2_REPLACE,
  startMariaDb,
  UNUSED_JDBC_CONFIG,
} from "../_helpers/mariadb.ts";
import { captureLogger } from "../_helpers/capture_logger.ts";
import { waitFor, within } from "../_helpers/wait_for.ts";
import { watchRuleStore } from "../_helpers/watch_rule_store.ts";

const RULE_1 = { id: "1", version: 1, pattern: RULE_1_PATTERN, function: DEMO_FUNCTION };

Deno.test("MysqlRuleStore.watch() polls the quick start's rule table", async (t) => {
  await using db = await startMariaDb();
  const reset = () => db.query(RESET_QUICK_START_TABLES);
  const open = (logger: Logger = captureLogger(), intervalMs = 50) =>
    watchRuleStore(
      new MysqlRuleStore({ config: db.config, tableName: "rds_demo", intervalMs, logger }),
    );

  await t.step(
    "MysqlRuleStore.watch() yields Rule 1 when the quick start's INSERT ran",
    async () => {
      await reset();
      await db.query(RULE_1_INSERT);
      const watch = open();
      try {
        assertEquals(await watch.next(), [RULE_1]);
      } finally {
        await watch.stop();
      }
    },
  );

  await t.step(
    "MysqlRuleStore.watch() yields an empty snapshot when the table is empty",
    async () => {
      await reset();
      const watch = open();
      try {
        assertEquals(await watch.next(), []);
      } finally {
        await watch.stop();
      }
    },
  );

  await t.step("MysqlRuleStore.watch() shows each change in the next snapshot", async () => {
    await reset();
    await db.query(RULE_1_INSERT);
    const watch = open();
    try {
      assertEquals(await watch.next(), [RULE_1]);
      // The generator is paused at `yield`, so the next poll starts after this change.
      await db.query(RULE_2_REPLACE);
      assertEquals(await watch.next(), [{ ...RULE_1, version: 2, pattern: RULE_2_PATTERN }]);
      await db.query("UPDATE rds_demo SET `function` = NULL, `pattern` = 'x' WHERE `id` = '1'");
      assertEquals(await watch.next(), [{ id: "1", version: 2, pattern: "x", function: null }]);
      await db.query(RULE_1_INSERT);
      assertEquals((await watch.next()).map((r) => `${r.id}@${r.version}`), ["1@2", "1@1"]);
      await db.query("DELETE FROM rds_demo");
      assertEquals(await watch.next(), []);
    } finally {
      await watch.stop();
    }
  });

  await t.step(
    "MysqlRuleStore.watch() skips rows without id or integer version and logs each once",
    async () => {
      await reset();
      await db.query(
        "CREATE TABLE text_rules (`id` VARCHAR(64), `version` VARCHAR(8), `pattern` TEXT, `function` BLOB)",
      );
      await db.query(
        "INSERT INTO text_rules VALUES (NULL, '1', 'p', 'f'), ('2', NULL, 'p', 'f'), ('3', 'v3', 'p', 'f'), ('4', ' 4 ', 'p', 'f')",
      );
      const logger = captureLogger();
      const store = new MysqlRuleStore({
        config: db.config,
        tableName: "text_rules",
        intervalMs: 20,
        logger,
      });
      const controller = new AbortController();
      try {
        let polls = 0;
        for await (const rules of store.watch({ signal: controller.signal })) {
          assertEquals(rules, [{ id: "4", version: 4, pattern: "p", function: "f" }]);
          if (++polls === 3) break;
        }
        assertEquals(logger.lines.map((l) => [l.level, l.message, l.fields.ruleId]), [
          ["warn", 'Skipping rule row "NULL": id is NULL', "NULL"],
          ["warn", 'Skipping rule row "2": version is NULL', "2"],
          ["warn", 'Skipping rule row "3": version "v3" is not an integer', "3"],
        ]);
      } finally {
        controller.abort();
        await store.close();
        await db.query("DROP TABLE text_rules");
      }
    },
  );

  await t.step("MysqlRuleStore.watch() ends promptly when aborted between polls", async () => {
    await reset();
    const watch = open(captureLogger(), 600_000);
    try {
      assertEquals(await watch.next(), []);
      const pending = watch.snapshots.next();
      watch.controller.abort();
      assertEquals(await within(pending, 2_000), { done: true, value: undefined });
    } finally {
      await watch.stop();
    }
  });

  await t.step("MysqlRuleStore.close() ends a running watch", async () => {
    await reset();
    const watch = open(captureLogger(), 600_000);
    try {
      assertEquals(await watch.next(), []);
      const pending = watch.snapshots.next();
      await watch.store.close();
      assertEquals(await within(pending, 2_000), { done: true, value: undefined });
    } finally {
      await watch.stop();
    }
  });

  await t.step(
    "MysqlRuleStore.watch() logs the outage once and yields again when the database restarts",
    async () => {
      await reset();
      await db.query(RULE_1_INSERT);
      const logger = captureLogger();
      const watch = open(logger, 100);
      try {
        assertEquals(await watch.next(), [RULE_1]);
        await db.stop();
        const during = watch.next();
        await waitFor(() => logger.lines.length > 0, "the outage to be logged");
        // Several retries fit in this wait (the backoff is capped at the 100 ms interval).
        await new Promise((resolve) => setTimeout(resolve, 600));
        assertEquals(await within(during, 0), "timeout", "nothing is yielded while down");
        await db.start();
        assertEquals(await during, [RULE_1]);
        assertEquals(logger.lines.map((l) => [l.level, l.message]), [
          ["warn", "Rule store unreachable, retrying"],
          ["info", "Rule store reachable again"],
        ]);
        assert((logger.lines[1]?.fields.failedPolls as number) >= 3);
        assert(!JSON.stringify(logger.lines).includes(db.config.password));
        await db.query(RULE_2_REPLACE);
        assertEquals((await watch.next())[0]?.version, 2);
      } finally {
        await watch.stop();
      }
    },
  );
});

Deno.test("MysqlRuleStore.watch() keeps retrying without yielding when nothing listens on the port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const logger = captureLogger();
  const config = {
    ...UNUSED_JDBC_CONFIG,
    host: "127.0.0.1",
    port,
    database: "cep_demo_db",
    user: "root",
    password: "s3cret",
  };
  const watch = watchRuleStore(
    new MysqlRuleStore({ config, tableName: "rds_demo", intervalMs: 50, logger }),
  );
  const pending = watch.snapshots.next();
  try {
    await waitFor(() => logger.lines.length > 0, "the outage to be logged");
    await new Promise((resolve) => setTimeout(resolve, 500));
    assertEquals(await within(pending, 0), "timeout");
    assertEquals(logger.lines.length, 1);
    assertEquals(logger.lines[0]?.message, "Rule store unreachable, retrying");
    assertEquals(logger.lines[0]?.fields.target, `127.0.0.1:${port}/cep_demo_db`);
    assert(String(logger.lines[0]?.fields.error).startsWith("ECONNREFUSED"));
    assert(!JSON.stringify(logger.lines).includes("s3cret"));
  } finally {
    watch.controller.abort();
    assertEquals(await within(pending, 2_000), { done: true, value: undefined });
    await watch.stop();
  }
});

Deno.test("MysqlRuleStore() throws RangeError when the table name or interval is invalid", () => {
  const config = UNUSED_JDBC_CONFIG;
  assert.throws(
    () => new MysqlRuleStore({ config, tableName: "rds_demo`; DROP TABLE x", intervalMs: 1 }),
    {
      name: "RangeError",
      message:
        'Invalid rule table name "rds_demo`; DROP TABLE x": use at most 64 letters, digits or "_", not starting with a digit',
    },
  );
  assert.throws(
    () => new MysqlRuleStore({ config, tableName: "cep_demo_db.rds_demo", intervalMs: 1 }),
    RangeError,
  );
  assert.throws(
    () => new MysqlRuleStore({ config, tableName: "rds_demo", intervalMs: 0 }),
    {
      name: "RangeError",
      message: 'Invalid rule poll interval "0": expected a whole number of ms > 0',
    },
  );
});
