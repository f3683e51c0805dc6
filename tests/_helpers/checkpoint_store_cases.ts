/**
 * The behaviour every `CheckpointStore` shares, run as steps against a real database: the
 * MySQL and SQLite tests each give a harness and get the same cases.
 *
 * @module
 */

import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  type CheckpointStore,
  type CheckpointTables,
  FencedError,
  type PartitionRef,
  type RestoredPartition,
} from "../../io/checkpoint_store.ts";
import { type MatchRow, SinkWriteError } from "../../io/match_sink.ts";

/** How the cases reach one kind of store and its database. */
export interface CheckpointStoreHarness {
  /** The class under test, for step names, e.g. `MysqlCheckpointStore`. */
  readonly name: string;
  /** A new store, not opened yet. */
  create(
    group: string,
    options?: { stateFormatVersion?: number; matchTable?: string },
  ): CheckpointStore & { readonly tables: CheckpointTables };
  /** Runs one statement on a connection of its own. */
  exec(sql: string): Promise<void>;
  /** How many rows a table holds. */
  count(table: string): Promise<number>;
}

const E0: PartitionRef = { topic: "events", partition: 0 };
const E1: PartitionRef = { topic: "events", partition: 1 };

/** The quick start's result table without its primary key, and one refusing `user_id >= 1000`. */
const MATCH_TABLE_COLUMNS =
  "rule_id INT, rule_version INT, user_id INT, user_name VARCHAR(255), production_id INT";

/** A match row of Rule 1 for user `userId`. */
function row(userId: number): MatchRow {
  return { ruleId: "1", ruleVersion: 1, userId, userName: `u${userId}`, productionId: 7 };
}

function partition(
  ref: PartitionRef,
  fields: Partial<Omit<RestoredPartition, "topic" | "partition">> = {},
): RestoredPartition {
  return { ...ref, nextOffset: null, meta: null, sinkProgress: null, states: new Map(), ...fields };
}

async function opened(
  h: CheckpointStoreHarness,
  group: string,
  options: { matchTable?: string } = {},
): Promise<CheckpointStore> {
  const store = h.create(group, options);
  await store.open();
  return store;
}

/** What a new owner restores, read by a store of its own. */
async function restore(
  h: CheckpointStoreHarness,
  group: string,
  refs: readonly PartitionRef[],
): Promise<RestoredPartition[]> {
  const reader = await opened(h, group);
  try {
    return await reader.claim(refs, "reader");
  } finally {
    await reader.close();
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected the promise to reject");
}

/**
 * Runs the shared cases as steps of one test.
 * @param t the test
 * @param h the store and its database
 */
export async function checkpointStoreCases(
  t: Deno.TestContext,
  h: CheckpointStoreHarness,
): Promise<void> {
  await h.exec(`CREATE TABLE match_plain ( ${MATCH_TABLE_COLUMNS} )`);
  await h.exec(`CREATE TABLE match_checked ( ${MATCH_TABLE_COLUMNS}, CHECK (user_id < 1000) )`);

  await t.step(`${h.name}.claim() restores offsets, meta and states after write()`, async () => {
    const a = await opened(h, "round_trip");
    assertEquals(await a.claim([E0, E1], "a"), [partition(E0), partition(E1)]);
    await a.write({
      partitions: [
        { ...E0, nextOffset: "9223372036854775807", meta: '{"watermark":7}' },
        { ...E1, nextOffset: "3", meta: "{}" },
      ],
      keys: [
        { ...E0, key: "u1", state: '{"runs":1}' },
        // Keys compare byte for byte: a trailing space makes another key.
        { ...E0, key: "u1 ", state: '{"runs":2}' },
        { ...E1, key: "ü", state: '{"name":"Jürgen"}' },
      ],
    });
    await a.close();
    assertEquals(await restore(h, "round_trip", [E1, E0]), [
      partition(E1, { nextOffset: "3", meta: "{}", states: new Map([["ü", '{"name":"Jürgen"}']]) }),
      partition(E0, {
        nextOffset: "9223372036854775807",
        meta: '{"watermark":7}',
        states: new Map([["u1", '{"runs":1}'], ["u1 ", '{"runs":2}']]),
      }),
    ]);
  });

  await t.step(`${h.name}.write() upserts and deletes only the changed keys`, async () => {
    const a = await opened(h, "incremental");
    await a.claim([E0], "a");
    await a.write({
      partitions: [{ ...E0, nextOffset: "10", meta: "m1" }],
      keys: [
        { ...E0, key: "k1", state: "s1" },
        { ...E0, key: "k2", state: "s2" },
        { ...E0, key: "k3", state: "s3" },
      ],
    });
    await a.write({
      partitions: [{ ...E0, nextOffset: "20", meta: "m2" }],
      keys: [
        { ...E0, key: "k1", state: "s1b" },
        { ...E0, key: "k2", state: null },
        // Given twice: the last change counts.
        { ...E0, key: "k4", state: "s4" },
        { ...E0, key: "k3", state: "s3b" },
        { ...E0, key: "k3", state: null },
      ],
    });
    await a.close();
    assertEquals(await restore(h, "incremental", [E0]), [
      partition(E0, {
        nextOffset: "20",
        meta: "m2",
        states: new Map([["k1", "s1b"], ["k4", "s4"]]),
      }),
    ]);
  });

  await t.step(`${h.name}.write() stores 25,000 keys and deletes 20,000 of them`, async () => {
    const a = await opened(h, "many_keys");
    await a.claim([E0], "a");
    const keys = Array.from({ length: 25_000 }, (_, i) => `user-${i}`);
    await a.write({
      partitions: [],
      keys: keys.map((key) => ({ ...E0, key, state: `{"k":"${key}"}` })),
    });
    await a.write({
      partitions: [{ ...E0, nextOffset: "25000", meta: "{}" }],
      keys: keys.slice(5_000).map((key) => ({ ...E0, key, state: null })),
    });
    await a.close();
    const [restored] = await restore(h, "many_keys", [E0]);
    assertEquals(restored?.nextOffset, "25000");
    assertEquals(
      [...restored?.states ?? []].sort(([x], [y]) => x < y ? -1 : 1),
      keys.slice(0, 5_000).sort().map((key) => [key, `{"k":"${key}"}`]),
    );
  });

  await t.step(
    `${h.name}.writeMatches() inserts rows with their progress once, into a table without a primary key`,
    async () => {
      const a = await opened(h, "matches", { matchTable: "match_plain" });
      await a.claim([E0, E1], "a");
      const first = { ...E0, eventTime: 0, offset: "5" };
      await a.writeMatches([row(1), row(1), row(2)], [first]);
      // The same batch again, as after a commit whose answer was lost: already written.
      await a.writeMatches([row(1), row(1), row(2)], [first]);
      await a.writeMatches([row(3)], [{ ...E0, eventTime: 0, offset: "6" }, {
        ...E1,
        eventTime: 0,
        offset: "0",
      }]);
      await a.writeMatches([], [{ ...E1, eventTime: 0, offset: "4" }]);
      await a.close();
      assertEquals(await h.count("match_plain"), 4);
      const restored = await restore(h, "matches", [E0, E1]);
      assertEquals(restored.map((p) => p.sinkProgress), [
        { ...E0, eventTime: 0, offset: "6" },
        { ...E1, eventTime: 0, offset: "4" },
      ]);
    },
  );

  await t.step(
    `${h.name}.writeMatches() writes neither rows nor progress when a row is refused`,
    async () => {
      const a = await opened(h, "matches_atomic", { matchTable: "match_checked" });
      await a.claim([E0], "a");
      await a.writeMatches([row(1)], [{ ...E0, eventTime: 100, offset: "1" }]);
      // The bad row comes after a full first statement of 500 rows.
      const rows = [...Array.from({ length: 700 }, (_, i) => row(i)), row(5_000)];
      const error = await rejection(a.writeMatches(rows, [{ ...E0, eventTime: 200, offset: "9" }]));
      assert(error instanceof SinkWriteError, String(error));
      assertEquals(error.rejected, rows);
      await a.close();
      assertEquals(await h.count("match_checked"), 1);
      assertEquals((await restore(h, "matches_atomic", [E0]))[0]?.sinkProgress, {
        ...E0,
        eventTime: 100,
        offset: "1",
      });
    },
  );

  await t.step(
    `${h.name}.write() and writeMatches() throw FencedError and write nothing when another owner claimed since`,
    async () => {
      const a = await opened(h, "fenced", { matchTable: "match_plain" });
      const before = await h.count("match_plain");
      await a.claim([E0, E1], "owner-a");
      await a.write({
        partitions: [{ ...E1, nextOffset: "1", meta: "a1" }],
        keys: [{ ...E1, key: "k", state: "a1" }],
      });
      const b = await opened(h, "fenced");
      await b.claim([E1], "owner-b");

      const fenced = await rejection(a.write({
        partitions: [{ ...E0, nextOffset: "2", meta: "a2" }, {
          ...E1,
          nextOffset: "2",
          meta: "a2",
        }],
        keys: [{ ...E0, key: "k", state: "a2" }, { ...E1, key: "k", state: null }],
      }));
      assert(fenced instanceof FencedError, String(fenced));
      assertEquals(fenced.name, "FencedError");
      assertEquals(
        fenced.message,
        'Cannot write to the checkpoint of group "fenced": another owner claimed "events/1" (now "owner-b")',
      );
      assertEquals(fenced.partitions, [E1]);
      const matches = await rejection(
        a.writeMatches([row(1)], [{ ...E1, eventTime: 0, offset: "1" }]),
      );
      assert(matches instanceof FencedError, String(matches));
      assertEquals(matches.partitions, [E1]);
      assertEquals(await h.count("match_plain"), before);
      // The partition a still owns stays writable.
      await a.write({ partitions: [{ ...E0, nextOffset: "3", meta: "a3" }], keys: [] });
      await Promise.all([a.close(), b.close()]);

      assertEquals(await restore(h, "fenced", [E0, E1]), [
        partition(E0, { nextOffset: "3", meta: "a3" }),
        partition(E1, { nextOffset: "1", meta: "a1", states: new Map([["k", "a1"]]) }),
      ]);
    },
  );

  await t.step(`${h.name}.write() throws RangeError when a partition was not claimed`, async () => {
    const a = await opened(h, "unclaimed");
    await a.claim([E0], "a");
    await assert.rejects(
      a.write({ partitions: [], keys: [{ ...E1, key: "k", state: "s" }] }),
      new RangeError(
        'Cannot write to the checkpoint of group "unclaimed": partition "events/1" was not claimed by this store',
      ),
    );
    await assert.rejects(
      a.writeMatches([row(1)], []),
      new RangeError('Cannot write 1 match rows to group "unclaimed" without sink progress'),
    );
    await a.close();
  });

  await t.step(`${h.name}.open() refuses a checkpoint of another format version`, async () => {
    const names = h.create("format").tables;
    await (await opened(h, "format")).close();
    await h.exec(`UPDATE ${names.format} SET tables_version = 2`);
    await assert.rejects(
      opened(h, "format"),
      new RangeError(
        'Cannot use the checkpoint of group "format": its tables have format version "2", this ' +
          'edgecep reads version "1"; run the edgecep that wrote it, or drop the group\'s ' +
          "checkpoint tables to start afresh (see the README's Checkpoints)",
      ),
    );
    await h.exec(`UPDATE ${names.format} SET tables_version = 1`);
    const newer = h.create("format", { stateFormatVersion: 2 });
    await assert.rejects(
      newer.open(),
      new RangeError(
        'Cannot use the checkpoint of group "format": its state has format version "1", this ' +
          'edgecep reads version "2"; run the edgecep that wrote it, or drop the group\'s ' +
          "checkpoint tables to start afresh (see the README's Checkpoints)",
      ),
    );
    await newer.close();
  });
}
