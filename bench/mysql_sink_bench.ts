/**
 * Throughput of {@link SqlMatchSink} against a private MariaDB (or `EDGECEP_TEST_MYSQL_URL`):
 * 100 000 rows in multi-row statements of 500, then 5 000 rows one statement each for comparison.
 * The server keeps its durable defaults (a log flush per commit), as a real result table would.
 *
 * Run: `deno run -A bench/mysql_sink_bench.ts`
 *
 * @module
 */

import type { MatchRow } from "../io/match_sink.ts";
import { SqlMatchSink } from "../io/mysql_match_sink.ts";
import { QUICK_START_TABLES, startMariaDb } from "../tests/_helpers/mariadb.ts";

const BATCHED_ROWS = 100_000;
const SINGLE_ROWS = 5_000;

function matchRows(count: number, ruleVersion: number): MatchRow[] {
  return Array.from({ length: count }, (_, i) => ({
    ruleId: "1",
    ruleVersion,
    userId: i + 1,
    userName: `user${i + 1}`,
    productionId: i % 97,
  }));
}

async function rowsPerSecond(sink: SqlMatchSink, rows: readonly MatchRow[]): Promise<number> {
  const start = performance.now();
  await sink.write(rows);
  return Math.round(rows.length / ((performance.now() - start) / 1000));
}

const db = await startMariaDb();
try {
  await db.query(QUICK_START_TABLES);
  // Warm up the connection and the table's pages, outside the measured writes.
  const warmUp = new SqlMatchSink({ config: db.config });
  await warmUp.write(matchRows(1_000, 0));
  await warmUp.close();

  const batched = new SqlMatchSink({ config: db.config });
  console.log(`sink_rows_per_s: ${await rowsPerSecond(batched, matchRows(BATCHED_ROWS, 1))}`);
  await batched.close();

  const single = new SqlMatchSink({ config: db.config, batchSize: 1 });
  console.log(
    `sink_single_row_rows_per_s: ${await rowsPerSecond(single, matchRows(SINGLE_ROWS, 2))}`,
  );
  await single.close();
} finally {
  await db.close();
}
