/**
 * The job under the end-to-end bench: `main.ts` in its own process with the start task's
 * permissions and the demo's flags, observed only from outside (its `/metrics` counters, the rows
 * in `match_results` and its memory in `/proc`), so the bench holds whatever the job's internals.
 *
 * @module
 */

import { freePort, REPO_ROOT, START_PERMISSIONS } from "../tests/_helpers/job_process.ts";

/** The demo's command line, minus the flags each run chooses. */
export interface JobOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  /** A fresh group per run, so every run reads the topic from the start. */
  readonly groupId: string;
  readonly jdbcUrl: string;
  readonly usingEventTime: boolean;
  /** Flags after the demo's, e.g. `--checkpointIntervalMs 0`. */
  readonly extraArgs?: readonly string[];
}

/**
 * Deno flags for the job's process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it.
 */
export const JOB_DENO_FLAGS_ENV = "EDGECEP_BENCH_JOB_DENO_FLAGS";

/** What a measured run reached. */
export interface JobResult {
  /** Events counted between the first and the last observation. */
  readonly events: number;
  /** From the first observation with events in to the one where everything was written. */
  readonly seconds: number;
  /** From process start to the first observation with events in. */
  readonly startupSeconds: number;
  /** `edgecep_matches_total`, summed over rules, at the end. */
  readonly matches: number;
  /** Rows in `match_results` at the end. */
  readonly rows: number;
  /** `edgecep_events_late_total` at the end. */
  readonly late: number;
  /** VmHWM of the job's process at the end. */
  readonly peakRssBytes: number;
}

/** The job's metrics the bench reads. */
export interface JobCounters {
  readonly eventsIn: number;
  readonly matches: number;
  /** Events dropped as late (event time). */
  readonly late: number;
  /** Events held until the watermark passes them (event time). */
  readonly buffered: number;
}

const POLL_MS = 50;
/** A job that makes no progress for this long is failed, with its log. */
const STALL_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * A field of `/proc/PID/status` in bytes (`VmRSS`, `VmHWM`), or 0 once the process is gone.
 * @param pid the process
 * @param field the field name
 */
export function procStatusBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/** VmHWM: the peak resident set of a live process. */
export function peakRssBytes(pid: number): number {
  return procStatusBytes(pid, "VmHWM");
}

/** A running job. */
export class BenchJob implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #metricsUrl: string;
  readonly #stderr: string[] = [];
  readonly #done: Promise<Deno.CommandStatus>;
  #exited = false;
  /** When the process was started, `performance.now()`. */
  readonly startedAt = performance.now();

  /**
   * Starts `deno run <start permissions> main.ts` with the demo's flags and `--metricsPort`.
   * @param options broker, topic, group, database and time behaviour
   */
  constructor(options: JobOptions) {
    const port = freePort();
    this.#metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const denoFlags = (Deno.env.get(JOB_DENO_FLAGS_ENV) ?? "").split(" ").filter((f) => f !== "");
    const args = [
      "run",
      ...denoFlags,
      ...START_PERMISSIONS,
      "main.ts",
      ...["--kafkaBrokers", options.brokers.join(","), "--inputTopic", options.topic],
      ...["--inputTopicGroup", options.groupId, "--jdbcUrl", options.jdbcUrl],
      ...["--tableName", "rds_demo", "--jdbcIntervalMs", "3000"],
      ...["--usingEventTime", String(options.usingEventTime), "--metricsPort", String(port)],
      ...options.extraArgs ?? [],
    ];
    this.#child = new Deno.Command(Deno.execPath(), {
      args,
      cwd: REPO_ROOT,
      env: { KAFKAJS_NO_PARTITIONER_WARNING: "1", NO_COLOR: "1" },
      stdin: "null",
      // Match lines go where a user's would if unread: the job pays for writing them, no reader.
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reading = this.#keepTail(this.#child.stderr);
    this.#done = this.#child.status.then(async (status) => {
      this.#exited = true;
      await reading;
      return status;
    });
  }

  /** The job's process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Its counters, or `undefined` while `/metrics` does not answer yet. */
  async counters(): Promise<JobCounters | undefined> {
    let text: string;
    try {
      const response = await fetch(this.#metricsUrl);
      text = await response.text();
    } catch {
      return undefined;
    }
    let eventsIn = 0;
    let matches = 0;
    let late = 0;
    let buffered = 0;
    for (const line of text.split("\n")) {
      const value = Number(line.split(" ").at(-1));
      if (line.startsWith("edgecep_events_in_total ")) eventsIn = value;
      if (line.startsWith("edgecep_matches_total")) matches += value;
      if (line.startsWith("edgecep_events_late_total ")) late = value;
      if (line.startsWith("edgecep_buffered_events ")) buffered = value;
    }
    return { eventsIn, matches, late, buffered };
  }

  /**
   * Waits until the job has read `events` events and `rows` reports as many rows as `matches`; or,
   * if it dropped events as late, until it has read them all, holds back none but the trailers
   * for the watermark and has written a row for each match it counted.
   * The clock starts at the first observation of events in, and the events read by then are not
   * counted: the rate covers only what the job did while observed.
   * @param expected events on the topic, matches they make, and trailers (the last event of each
   *   partition, which the watermark never passes)
   * @param rows counts the rows in `match_results`
   * @throws {Error} with the job's log if it exits or stalls
   */
  async measure(
    expected: { events: number; matches: number; trailers: number },
    rows: () => Promise<number>,
  ): Promise<JobResult> {
    let start: { at: number; events: number } | undefined;
    let progress = { at: performance.now(), events: -1 };
    for (;;) {
      if (this.#exited) throw new Error(`The job exited early.\n${this.describe()}`);
      const now = performance.now();
      const counters = await this.counters();
      if (counters !== undefined) {
        if (start === undefined && counters.eventsIn > 0) {
          start = { at: now, events: counters.eventsIn };
        }
        if (counters.eventsIn !== progress.events) {
          progress = { at: now, events: counters.eventsIn };
        }
        const settled = counters.late > 0 && counters.buffered <= expected.trailers;
        if (
          counters.eventsIn >= expected.events &&
          (counters.matches >= expected.matches || settled)
        ) {
          const written = await rows();
          if (written >= Math.min(expected.matches, counters.matches) && start !== undefined) {
            const end = performance.now();
            return {
              events: counters.eventsIn - start.events,
              seconds: (end - start.at) / 1000,
              startupSeconds: (start.at - this.startedAt) / 1000,
              matches: counters.matches,
              rows: written,
              late: counters.late,
              peakRssBytes: peakRssBytes(this.pid),
            };
          }
        }
      }
      if (now - progress.at > STALL_MS) {
        throw new Error(
          `The job made no progress for ${STALL_MS} ms (counters ${
            JSON.stringify(counters)
          }).\n${this.describe()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within 30 s. */
  async stop(): Promise<void> {
    if (this.#exited) return;
    this.#child.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (!this.#exited) this.#child.kill("SIGKILL");
    }, STOP_TIMEOUT_MS);
    await this.#done;
    clearTimeout(timer);
  }

  /** The tail of the job's log, for failure messages. */
  describe(): string {
    return `--- job stderr (pid ${this.pid}) ---\n${this.#stderr.join("\n")}`;
  }

  /** Stops the job. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #keepTail(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      this.#stderr.push(...text.split("\n").filter((l) => l !== ""));
      if (this.#stderr.length > 40) this.#stderr.splice(0, this.#stderr.length - 40);
    }
  }
}
