/**
 * `edgecep quickstart` (and the job with no flags at all): replays the whole quick start on the
 * embedded stand-ins — an SQLite rule table and result table, and the sample event files — by
 * running the real job twice with the quick start's flags, exactly as its steps do: Rule 1 in
 * processing time over Ken's four messages, then Rule 2 (rule 1, version 2) in event time over
 * Tom's and Ali's eight.
 *
 * @module
 */

import { openSqliteDatabase } from "../io/mod.ts";
import { runJobCommand } from "./job_command.ts";

const samples = (name: string) => new URL(`../samples/${name}`, import.meta.url).pathname;

/**
 * Runs the replay.
 * @param args `[--db PATH]`: where to keep the SQLite database (default: a new temp directory)
 * @returns the exit code
 */
export async function quickstartCommand(args: readonly string[]): Promise<number> {
  const dbIndex = args.indexOf("--db");
  const kept = dbIndex >= 0 && args[dbIndex + 1] !== undefined ? args[dbIndex + 1]! : null;
  // Without --db the database is a throwaway, removed at the end.
  const tempDir = kept === null ? await Deno.makeTempDir({ prefix: "edgecep-quickstart-" }) : null;
  const path = kept ?? `${tempDir}/cep_demo_db.sqlite`;
  const db = openSqliteDatabase(path);
  const step = (text: string) => console.error(`\n== ${text}`);
  const flags = (events: string, eventTime: boolean) => [
    "--inputTopic",
    samples(events),
    "--jdbcUrl",
    `jdbc:sqlite:${path}`,
    "--tableName",
    "rds_demo",
    "--jdbcIntervalMs",
    "500",
    "--usingEventTime",
    String(eventTime),
  ];
  try {
    step(`Step 4: insert Rule 1 (${samples("quickstart_rule1.sql")}) and send Ken's four messages`);
    db.exec(await Deno.readTextFile(samples("quickstart_rule1.sql")));
    let code = await runJobCommand(flags("events_ken.csv", false));
    if (code !== 0) return code;
    step(
      "Step 5: delete Rule 1, insert Rule 2 (15-minute window), restart in event time, send eight messages",
    );
    db.exec(await Deno.readTextFile(samples("quickstart_rule2.sql")));
    code = await runJobCommand(flags("events_tom_ali.csv", true));
    if (code !== 0) return code;
    step(
      `SELECT * FROM match_results${
        kept === null ? " (keep the database with --db PATH)" : ` (${path})`
      }`,
    );
    const rows = db.prepare("SELECT * FROM match_results ORDER BY rule_id, rule_version, user_id")
      .all();
    console.log("rule_id | rule_version | user_id | user_name | production_id");
    for (const r of rows) {
      console.log(
        `${r.rule_id} | ${r.rule_version} | ${r.user_id} | ${r.user_name} | ${r.production_id}`,
      );
    }
    return 0;
  } finally {
    db.close();
    if (tempDir !== null) await Deno.remove(tempDir, { recursive: true }).catch(() => {});
  }
}
