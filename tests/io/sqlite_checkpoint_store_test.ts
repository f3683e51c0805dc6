import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { SqliteCheckpointStore } from "../../io/sqlite_checkpoint_store.ts";
import { captureLogger } from "../_helpers/capture_logger.ts";
import { checkpointStoreCases } from "../_helpers/checkpoint_store_cases.ts";

Deno.test("SqliteCheckpointStore keeps checkpoints and match rows in an SQLite file", async (t) => {
  const path = `${await Deno.makeTempDir()}/cep_demo.db`;
  const run = <T>(work: (db: DatabaseSync) => T): T => {
    const db = new DatabaseSync(path);
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  await checkpointStoreCases(t, {
    name: "SqliteCheckpointStore",
    create: (group, options = {}) =>
      new SqliteCheckpointStore({
        path,
        group,
        stateFormatVersion: options.stateFormatVersion ?? 1,
        ...(options.matchTable === undefined ? {} : { matchTable: options.matchTable }),
      }),
    exec: (sql) => Promise.resolve(run((db) => db.exec(sql))),
    count: (table) =>
      Promise.resolve(
        run((db) => Number(db.prepare(`SELECT COUNT(*) AS n FROM \`${table}\``).get()?.n)),
      ),
  });

  await t.step(
    "SqliteCheckpointStore.write() retries when another connection holds the write lock",
    async () => {
      const logger = captureLogger();
      const store = new SqliteCheckpointStore({
        path,
        group: "locked",
        stateFormatVersion: 1,
        logger,
      });
      const e0 = { topic: "events", partition: 0 };
      await store.open();
      await store.claim([e0], "a");
      const other = new DatabaseSync(path);
      other.exec("BEGIN IMMEDIATE");
      const write = store.write({
        partitions: [{ ...e0, nextOffset: "7", meta: "{}" }],
        keys: [{ ...e0, key: "k", state: "s" }],
      });
      await new Promise((resolve) => setTimeout(resolve, 600));
      other.exec("ROLLBACK");
      other.close();
      await write;
      await store.close();
      assertEquals(logger.lines.map((line) => [line.level, line.message]), [
        ["warn", "Checkpoint store failed, retrying"],
      ]);
      assertEquals(
        run((db) => db.prepare("SELECT state_key, state FROM edgecep_locked_state").all())
          .map((row) => ({ ...row })),
        [{ state_key: "k", state: "s" }],
      );
    },
  );
});
