/**
 * Cost of checkpoints in {@link MysqlCheckpointStore} (a private MariaDB, or
 * `EDGECEP_TEST_MYSQL_URL`) and {@link SqliteCheckpointStore} (a temporary file): 1 000 000 keys
 * with a small state (~50 bytes of JSON) over 6 partitions, written in checkpoints of 100 000
 * changed keys, then restored by a second owner's `claim()`, then 100 000 keys deleted.
 *
 * Run: `deno run -A bench/checkpoint_store_bench.ts [keys]`
 *
 * @module
 */

import type { CheckpointStore, KeyStateChange, PartitionRef } from "../io/checkpoint_store.ts";
import { MysqlCheckpointStore } from "../io/mysql_checkpoint_store.ts";
import { SqliteCheckpointStore } from "../io/sqlite_checkpoint_store.ts";
import { startMariaDb } from "../tests/_helpers/mariadb.ts";

const KEYS = Number(Deno.args[0] ?? 1_000_000);
const PER_CHECKPOINT = 100_000;
const PARTITIONS: PartitionRef[] = Array.from({ length: 6 }, (_, partition) => ({
  topic: "demo_topic",
  partition,
}));

function change(i: number, state: string | null): KeyStateChange {
  return { ...PARTITIONS[i % PARTITIONS.length]!, key: `user-${i}`, state };
}

function state(i: number): string {
  return `{"v":1,"runs":[{"s":"start","t":${1_700_000_000_000 + i},"n":2}]}`;
}

async function measure(label: string, create: () => CheckpointStore): Promise<void> {
  const writer = create();
  await writer.open();
  await writer.claim(PARTITIONS, "writer");
  let writeMs = 0;
  for (let first = 0; first < KEYS; first += PER_CHECKPOINT) {
    const keys: KeyStateChange[] = [];
    for (let i = first; i < Math.min(KEYS, first + PER_CHECKPOINT); i++) {
      keys.push(change(i, state(i)));
    }
    const start = performance.now();
    await writer.write({
      partitions: PARTITIONS.map((p) => ({ ...p, nextOffset: String(first), meta: "{}" })),
      keys,
    });
    writeMs += performance.now() - start;
  }
  await writer.close();
  console.log(`${label}_write_keys_per_s: ${Math.round(KEYS / (writeMs / 1000))}`);

  const reader = create();
  await reader.open();
  const start = performance.now();
  const restored = await reader.claim(PARTITIONS, "reader");
  const restoreMs = performance.now() - start;
  const count = restored.reduce((sum, p) => sum + p.states.size, 0);
  if (count !== KEYS) throw new Error(`restored ${count} keys, expected ${KEYS}`);
  console.log(`${label}_restore_ms: ${Math.round(restoreMs)} (${KEYS} keys)`);

  const deletes: KeyStateChange[] = [];
  for (let i = 0; i < Math.min(KEYS, PER_CHECKPOINT); i++) deletes.push(change(i, null));
  const deleteStart = performance.now();
  await reader.write({ partitions: [], keys: deletes });
  console.log(
    `${label}_delete_ms: ${Math.round(performance.now() - deleteStart)} (${deletes.length} keys)`,
  );
  await reader.close();
}

const db = await startMariaDb();
try {
  await measure(
    "mysql",
    () => new MysqlCheckpointStore({ config: db.config, group: "bench", stateFormatVersion: 1 }),
  );
  const [size] = await db.rows(
    "SELECT DATA_LENGTH + INDEX_LENGTH AS bytes FROM information_schema.TABLES " +
      "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'edgecep_bench_state'",
  );
  console.log(`mysql_state_table_bytes_per_key: ${Math.round(Number(size?.bytes) / KEYS)}`);
} finally {
  await db.close();
}

const dir = await Deno.makeTempDir({ prefix: "edgecep_checkpoint_bench_" });
try {
  await measure(
    "sqlite",
    () =>
      new SqliteCheckpointStore({ path: `${dir}/bench.db`, group: "bench", stateFormatVersion: 1 }),
  );
  console.log(
    `sqlite_file_bytes_per_key: ${Math.round((await Deno.stat(`${dir}/bench.db`)).size / KEYS)}`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
