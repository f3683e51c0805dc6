/**
 * What the SQLite writers share: one immediate transaction, and which failures a later attempt
 * may not meet.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

/**
 * SQLite primary result codes that a later attempt may not meet: BUSY, LOCKED, IOERR, FULL and
 * CANTOPEN. Deno's `node:sqlite` leaves `errcode` off some errors, so messages are matched too.
 */
const TRANSIENT_CODES = new Set([5, 6, 10, 13, 14]);
const TRANSIENT_MESSAGE =
  /database (?:table )?is locked|database is busy|disk I\/O error|unable to open database file|database or disk is full/i;

/**
 * Runs `body` in one immediate transaction, so the write lock is taken before anything is read
 * or written, and rolls back if it throws.
 * @param db the open database
 * @param body the work; synchronous, so nothing else runs on the connection meanwhile
 * @returns what `body` returns, once committed
 * @throws whatever `body` or COMMIT throws, after the rollback
 */
export function immediateTransaction<T>(db: DatabaseSync, body: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = body();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    try {
      if (db.isTransaction) db.exec("ROLLBACK");
    } catch {
      // SQLite rolls back by itself after some errors; the first error is the one to report.
    }
    throw error;
  }
}

/**
 * Tells whether retrying may succeed.
 * @param error anything a `node:sqlite` call threw
 * @returns true for lock waits and I/O failures
 */
export function isTransientSqliteError(error: unknown): boolean {
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  if (typeof errcode === "number" && TRANSIENT_CODES.has(errcode & 0xff)) return true;
  return error instanceof Error && TRANSIENT_MESSAGE.test(error.message);
}

/**
 * Tells whether a failure is only another connection's lock, which its holder releases: any
 * other failure may be the connection's own, which is then reopened.
 * @param error anything thrown
 * @returns true for "database is locked" and "busy"
 */
export function isSqliteLockError(error: unknown): boolean {
  return /locked|busy/i.test(sqliteErrorMessage(error));
}

/**
 * The message of a failure, for logs and errors.
 * @param error anything thrown
 * @returns its message
 */
export function sqliteErrorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
