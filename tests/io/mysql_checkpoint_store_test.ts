import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { SinkWriteError } from "../../io/match_sink.ts";
import { MysqlCheckpointStore } from "../../io/mysql_checkpoint_store.ts";
import { captureLogger } from "../_helpers/capture_logger.ts";
import { checkpointStoreCases } from "../_helpers/checkpoint_store_cases.ts";
import { startMariaDb } from "../_helpers/mariadb.ts";

Deno.test("MysqlCheckpointStore keeps checkpoints and match rows in MariaDB", async (t) => {
  await using db = await startMariaDb();
  await checkpointStoreCases(t, {
    name: "MysqlCheckpointStore",
    create: (group, options = {}) =>
      new MysqlCheckpointStore({
        config: db.config,
        group,
        stateFormatVersion: options.stateFormatVersion ?? 1,
        ...(options.matchTable === undefined ? {} : { matchTable: options.matchTable }),
      }),
    exec: async (sql) => void await db.query(sql),
    count: async (table) =>
      Number((await db.rows(`SELECT COUNT(*) AS n FROM \`${table}\``))[0]?.n ?? NaN),
  });

  await t.step(
    "MysqlCheckpointStore.open() creates InnoDB tables named after the group",
    async () => {
      const store = new MysqlCheckpointStore({
        config: db.config,
        group: "tables",
        stateFormatVersion: 1,
      });
      await store.open();
      await store.close();
      assertEquals(
        await db.rows(
          "SELECT TABLE_NAME AS name, ENGINE AS engine FROM information_schema.TABLES " +
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'edgecep\\_tables\\_%' ORDER BY 1",
        ),
        [
          { name: "edgecep_tables_format", engine: "InnoDB" },
          { name: "edgecep_tables_partitions", engine: "InnoDB" },
          { name: "edgecep_tables_state", engine: "InnoDB" },
        ],
      );
    },
  );

  await t.step(
    "MysqlCheckpointStore.write() retries until it commits when the database restarts",
    async () => {
      const logger = captureLogger();
      const store = new MysqlCheckpointStore({
        config: db.config,
        group: "restart",
        stateFormatVersion: 1,
        logger,
      });
      const e0 = { topic: "events", partition: 0 };
      try {
        await store.open();
        await store.claim([e0], "a");
        await db.stop();
        const write = store.write({
          partitions: [{ ...e0, nextOffset: "7", meta: "{}" }],
          keys: [{ ...e0, key: "k", state: "s" }],
        });
        await new Promise((resolve) => setTimeout(resolve, 500));
        await db.start();
        await write;
        assert(store.retries > 0);
        assertEquals(logger.lines.map((line) => line.message).slice(0, 1), [
          "Checkpoint store failed, retrying",
        ]);
      } finally {
        await store.close();
      }
      assertEquals(
        await db.rows(
          "SELECT CONVERT(state_key USING utf8mb4) AS k, state FROM edgecep_restart_state",
        ),
        [{ k: "k", state: "s" }],
      );
    },
  );

  await t.step(
    "MysqlCheckpointStore.close() rejects a write and a writeMatches() that are still retrying",
    async () => {
      const store = new MysqlCheckpointStore({
        config: db.config,
        group: "closing",
        stateFormatVersion: 1,
      });
      const e0 = { topic: "events", partition: 0 };
      await store.open();
      await store.claim([e0], "a");
      await db.stop();
      try {
        const row = { ruleId: "1", ruleVersion: 1, userId: 1, userName: "Ken", productionId: 7 };
        const write = store.write({
          partitions: [{ ...e0, nextOffset: "1", meta: "{}" }],
          keys: [],
        });
        const matches = store.writeMatches([row], [{ ...e0, eventTime: 0, offset: "0" }]);
        const settled = Promise.allSettled([write, matches]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await store.close();
        const [w, m] = await settled;
        assert(w?.status === "rejected" && m?.status === "rejected");
        const target = `127.0.0.1:${db.config.port}/${db.config.database}`;
        assertEquals(
          (w.reason as Error).message,
          `Cannot write the checkpoint of group "closing" on "${target}": the store was closed ` +
            "while retrying",
        );
        assert(m.reason instanceof SinkWriteError);
        assertEquals(m.reason.rejected, [row]);
        assertEquals(
          m.reason.message,
          `Cannot write 1 match rows to "${target}": the store was closed while retrying`,
        );
      } finally {
        await db.start();
      }
    },
  );
});
