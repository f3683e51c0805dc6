import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import mysql from "mysql2/promise";
import type { MatchRow } from "../../io/match_sink.ts";
import { SinkWriteError, SqlMatchSink } from "../../io/mysql_match_sink.ts";
import { captureLogger } from "../_helpers/capture_logger.ts";
import { RESET_QUICK_START_TABLES, startMariaDb, UNUSED_JDBC_CONFIG } from "../_helpers/mariadb.ts";
import { waitFor } from "../_helpers/wait_for.ts";

/** `count` rows of Rule 1 for users `first`.. with one product each. */
function matchRows(count: number, first = 1, userName = "Ken"): MatchRow[] {
  return Array.from({ length: count }, (_, i) => ({
    ruleId: "1",
    ruleVersion: 1,
    userId: first + i,
    userName: `${userName}${first + i}`,
    productionId: (first + i) % 7,
  }));
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected the promise to reject");
}

Deno.test("SqlMatchSink.write() upserts into the quick start's match_results", async (t) => {
  await using db = await startMariaDb();
  const reset = () => db.query(RESET_QUICK_START_TABLES);
  const count = async () =>
    Number((await db.rows("SELECT COUNT(*) AS n FROM match_results"))[0]?.n ?? NaN);

  await t.step("SqlMatchSink.write() stores 1,200 rows in statements of 500", async () => {
    await reset();
    const sink = new SqlMatchSink({ config: db.config });
    try {
      await sink.write(matchRows(1_200));
      assertEquals(await count(), 1_200);
      assertEquals(
        await db.rows("SELECT * FROM match_results WHERE user_id IN (1, 1200) ORDER BY user_id"),
        [
          { rule_id: 1, rule_version: 1, user_id: 1, user_name: "Ken1", production_id: 1 },
          { rule_id: 1, rule_version: 1, user_id: 1200, user_name: "Ken1200", production_id: 3 },
        ],
      );
      assertEquals(sink.retries, 0);
    } finally {
      await sink.close();
    }
  });

  await t.step(
    "SqlMatchSink.write() leaves the row count unchanged when rows are written again",
    async () => {
      await reset();
      const sink = new SqlMatchSink({ config: db.config, batchSize: 7 });
      try {
        await sink.write(matchRows(1_200));
        await sink.write(matchRows(1_200));
        await sink.write(matchRows(1_200, 1, "Tom"));
        assertEquals(await count(), 1_200);
        assertEquals(
          await db.rows("SELECT user_name FROM match_results WHERE user_id = 5"),
          [{ user_name: "Tom5" }],
        );
      } finally {
        await sink.close();
      }
    },
  );

  await t.step("SqlMatchSink.write() resolves at once when the batch is empty", async () => {
    await reset();
    const sink = new SqlMatchSink({ config: db.config });
    await sink.write([]);
    await sink.close();
    assertEquals(await count(), 0);
  });

  await t.step(
    "SqlMatchSink.write() throws SinkWriteError listing only the bad row when a value is out of range",
    async () => {
      await reset();
      const sink = new SqlMatchSink({ config: db.config });
      const [a1, a2, a3] = matchRows(3);
      assert(a1 && a2 && a3);
      const bad = { ...a2, userId: 2 ** 40 };
      try {
        const error = await catchError(sink.write([a1, bad, a3]));
        assert(error instanceof SinkWriteError);
        assertEquals(error.name, "SinkWriteError");
        assertEquals(error.rejected, [bad]);
        assertEquals((error.cause as { errno?: number }).errno, 1264);
        assert.match(
          error.message,
          /^Cannot write 1 match rows to "127\.0\.0\.1:\d+\/\w+": ER_WARN_DATA_OUT_OF_RANGE/,
        );
        assertEquals(await count(), 2);
        assertEquals(sink.retries, 0);
        // The sink stays usable after a rejected batch.
        await sink.write(matchRows(1, 10));
        assertEquals(await count(), 3);
      } finally {
        await sink.close();
      }
    },
  );

  await t.step(
    "SqlMatchSink.write() throws SinkWriteError for the whole batch when the table is missing",
    async () => {
      await reset();
      const sink = new SqlMatchSink({
        config: db.config,
        tableName: "no_such_table",
        batchSize: 2,
      });
      try {
        const rows = matchRows(5);
        const error = await catchError(sink.write(rows));
        assert(error instanceof SinkWriteError);
        assertEquals(error.rejected, rows);
        assertEquals((error.cause as { code?: string }).code, "ER_NO_SUCH_TABLE");
        assertEquals(sink.retries, 0);
      } finally {
        await sink.close();
      }
    },
  );

  await t.step(
    "SqlMatchSink.write() retries until every row is stored when the database restarts mid-write",
    async () => {
      await reset();
      const logger = captureLogger();
      const sink = new SqlMatchSink({ config: db.config, batchSize: 100, logger });
      // A second client locks a row of the second statement, so the write is certainly in flight
      // when the server goes down; the server's shutdown rolls the lock holder back.
      const holder = await mysql.createConnection({ ...connectionOf(db.config) });
      holder.on("error", () => {});
      try {
        await holder.query("BEGIN");
        await holder.query(
          "INSERT INTO match_results VALUES (1, 1, 150, 'Ken150', 3)",
        );
        const writing = sink.write(matchRows(1_000));
        // Statement 1 is committed; statement 2 cannot finish before the holder's rollback.
        await waitFor(async () => await count() === 100, "the first statement to commit");
        await db.stop();
        await waitFor(() => sink.retries >= 2, "the sink to retry");
        await db.start();
        await writing;
        assertEquals(await count(), 1_000);
        assertEquals(
          logger.lines.filter((l) => l.level === "warn").length,
          1,
          "warnings are rate-limited",
        );
        assert(!JSON.stringify(logger.lines).includes(db.config.password));
      } finally {
        holder.destroy();
        await sink.close();
      }
    },
  );

  await t.step(
    "SqlMatchSink.close() rejects a write that is still retrying with SinkWriteError",
    async () => {
      await reset();
      const sink = new SqlMatchSink({ config: db.config });
      await db.stop();
      try {
        const rows = matchRows(3);
        const writing = catchError(sink.write(rows));
        await waitFor(() => sink.retries > 0, "the sink to retry");
        await sink.close();
        const error = await writing;
        assert(error instanceof SinkWriteError);
        assertEquals(error.rejected, rows);
        assert.match(error.message, /the sink was closed while retrying$/);
        assert(error.cause instanceof Error);
      } finally {
        await db.start();
      }
      assertEquals(await count(), 0);
    },
  );
});

Deno.test("SqlMatchSink() throws RangeError when the table name or batch size is invalid", () => {
  const config = UNUSED_JDBC_CONFIG;
  assert.throws(() => new SqlMatchSink({ config, tableName: "match-results" }), {
    name: "RangeError",
    message:
      'Invalid result table name "match-results": use at most 64 letters, digits or "_", not starting with a digit',
  });
  for (const batchSize of [0, 1.5, 10_001]) {
    assert.throws(() => new SqlMatchSink({ config, batchSize }), {
      name: "RangeError",
      message: `Invalid sink batch size "${batchSize}": expected 1..10000`,
    });
  }
});

function connectionOf(
  config: { host: string; port: number; user: string; password: string; database: string },
) {
  const { host, port, user, password, database } = config;
  return { host, port, user, password, database };
}
