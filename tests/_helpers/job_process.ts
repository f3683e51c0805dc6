/**
 * Runs `main.ts` as a user would: a child `deno run -A main.ts ...` in the repository root, with
 * its stdout (match lines) and stderr (logs) collected line by line so tests can wait for them.
 *
 * Set `EDGECEP_TEST_ECHO=1` to echo the child's output to the test's stderr while it runs.
 *
 * @module
 */

/** The repository root: the child's working directory. */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** How long a test waits for a line unless told otherwise. */
export const LINE_TIMEOUT_MS = 30_000;

/** A line matcher: a substring, a regular expression or a predicate. */
export type LineMatcher = string | RegExp | ((line: string) => boolean);

/** Options for {@link JobProcess.start} and {@link runMain}. */
export interface JobProcessOptions {
  /** Extra environment variables for the child. */
  readonly env?: Record<string, string>;
  /** Text written to the child's stdin, which is then closed; default: no stdin. */
  readonly stdin?: string;
}

/** Options for {@link JobProcess.waitForLine}. */
export interface WaitForLineOptions {
  /** Only lines with an index at or after this one count; default 0. */
  readonly from?: number;
  /** Default {@link LINE_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

type Stream = "stdout" | "stderr";

interface Waiter {
  readonly stream: Stream;
  readonly test: (line: string) => boolean;
  readonly from: number;
  readonly resolve: (found: { line: string; index: number }) => void;
}

const ECHO = Deno.env.get("EDGECEP_TEST_ECHO") === "1";

function toTest(matcher: LineMatcher): (line: string) => boolean {
  if (typeof matcher === "string") return (line) => line.includes(matcher);
  if (matcher instanceof RegExp) return (line) => matcher.test(line);
  return matcher;
}

function describeMatcher(matcher: LineMatcher): string {
  return typeof matcher === "function" ? "a line matching the predicate" : String(matcher);
}

/**
 * The permission flags of `deno task start` (and so of the compiled binary's defaults), so the
 * job runs in tests exactly as restricted as for a user.
 */
export const START_PERMISSIONS: readonly string[] = (() => {
  const config = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)));
  const words = String(config.tasks.start).split(/\s+/);
  return words.filter((w) => w.startsWith("--allow-"));
})();

/** A running `main.ts` child process. */
export class JobProcess implements AsyncDisposable {
  /** Every stdout line so far. */
  readonly stdout: string[] = [];
  /** Every stderr line so far. */
  readonly stderr: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #waiters = new Set<Waiter>();
  #status: Deno.CommandStatus | undefined;
  readonly #done: Promise<Deno.CommandStatus>;

  private constructor(args: readonly string[], options: JobProcessOptions) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...START_PERMISSIONS, "main.ts", ...args],
      cwd: REPO_ROOT,
      env: { KAFKAJS_NO_PARTITIONER_WARNING: "1", NO_COLOR: "1", ...options.env },
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (options.stdin !== undefined) {
      const writer = this.#child.stdin.getWriter();
      writer.write(new TextEncoder().encode(options.stdin)).then(() => writer.close()).catch(
        () => {},
      );
    }
    const child = this.#child;
    const readers = [this.#read(child.stdout, "stdout"), this.#read(child.stderr, "stderr")];
    this.#done = (async () => {
      const status = await child.status;
      await Promise.allSettled(readers);
      this.#status = status;
      return status;
    })();
  }

  /**
   * Starts `main.ts ...args` with the start task's permissions in the repository root.
   * @param args the command line after `main.ts`
   * @param options environment and stdin
   * @returns the running process
   */
  static start(args: readonly string[], options: JobProcessOptions = {}): JobProcess {
    return new JobProcess(args, options);
  }

  /** The process id, for logs. */
  get pid(): number {
    return this.#child.pid;
  }

  /** The exit status once the process ended and its output was read, else `undefined`. */
  get status(): Deno.CommandStatus | undefined {
    return this.#status;
  }

  /** Resolves when the process ended and all of its output was read. */
  get done(): Promise<Deno.CommandStatus> {
    return this.#done;
  }

  /**
   * Waits for a line on stdout or stderr.
   * @param stream which output
   * @param matcher a substring, regular expression or predicate
   * @param options the first line index to consider and the timeout
   * @returns the line and its index
   * @throws {Error} on timeout or when the process ends first, with the tail of its stderr
   */
  waitForLine(
    stream: Stream,
    matcher: LineMatcher,
    options: WaitForLineOptions = {},
  ): Promise<{ line: string; index: number }> {
    const test = toTest(matcher);
    const from = options.from ?? 0;
    const lines = this[stream];
    for (let i = from; i < lines.length; i++) {
      if (test(lines[i]!)) return Promise.resolve({ line: lines[i]!, index: i });
    }
    const timeoutMs = options.timeoutMs ?? LINE_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        stream,
        test,
        from,
        resolve: (found) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(found);
        },
      };
      const fail = (why: string) => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        reject(
          new Error(
            `No ${stream} line ${describeMatcher(matcher)} ${why}.\n${this.describe()}`,
          ),
        );
      };
      const timer = setTimeout(() => fail(`within ${timeoutMs} ms`), timeoutMs);
      this.#waiters.add(waiter);
      this.#done.then((status) => {
        if (this.#waiters.has(waiter)) fail(`before the process exited with ${status.code}`);
      });
    });
  }

  /** The lines of `stream` at or after `from` that match. */
  lines(stream: Stream, matcher: LineMatcher, from = 0): string[] {
    const test = toTest(matcher);
    return this[stream].slice(from).filter(test);
  }

  /**
   * Sends a signal and waits for the exit.
   * @param signal default SIGTERM
   * @param timeoutMs after this the process is killed with SIGKILL and the call throws
   * @returns the exit status
   */
  async stop(signal: Deno.Signal = "SIGTERM", timeoutMs = LINE_TIMEOUT_MS): Promise<
    Deno.CommandStatus
  > {
    if (this.#status === undefined) {
      try {
        this.#child.kill(signal);
      } catch { /* already exited */ }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    try {
      const result = await Promise.race([this.#done, timedOut]);
      if (result !== "timeout") return result;
    } finally {
      clearTimeout(timer);
    }
    this.#child.kill("SIGKILL");
    await this.#done;
    throw new Error(
      `The job did not exit within ${timeoutMs} ms of ${signal}.\n${this.describe()}`,
    );
  }

  /** The last lines of both outputs, for failure messages. */
  describe(): string {
    const tail = (lines: string[]) => lines.slice(-40).map((l) => `  ${l}`).join("\n");
    return `--- job stdout (pid ${this.pid}) ---\n${tail(this.stdout)}\n--- job stderr ---\n${
      tail(this.stderr)
    }`;
  }

  /** Kills the process if it still runs and waits for it. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#status === undefined) {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* already exited */ }
    }
    await this.#done;
  }

  async #read(stream: ReadableStream<Uint8Array>, name: Stream): Promise<void> {
    let buffered = "";
    const push = (line: string) => {
      if (ECHO) console.error(`[job ${this.pid} ${name}] ${line}`);
      const lines = this[name];
      lines.push(line);
      const index = lines.length - 1;
      for (const waiter of [...this.#waiters]) {
        if (waiter.stream === name && index >= waiter.from && waiter.test(line)) {
          waiter.resolve({ line, index });
        }
      }
    };
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      buffered += text;
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        push(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    }
    if (buffered !== "") push(buffered);
  }
}

/** The result of a finished `main.ts` run. */
export interface MainResult {
  readonly code: number;
  readonly stdout: string[];
  readonly stderr: string[];
}

/**
 * Runs `main.ts ...args` with the start task's permissions to its end.
 * @param args the command line after `main.ts`
 * @param options environment, stdin, and a timeout (default 60 s) after which it is killed
 * @returns exit code and output lines
 */
export async function runMain(
  args: readonly string[],
  options: JobProcessOptions & { readonly timeoutMs?: number } = {},
): Promise<MainResult> {
  await using job = JobProcess.start(args, options);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.timeoutMs ?? 60_000);
  });
  try {
    const result = await Promise.race([job.done, timedOut]);
    if (result === "timeout") {
      throw new Error(`main.ts ${args.join(" ")} did not end in time.\n${job.describe()}`);
    }
    return { code: result.code, stdout: [...job.stdout], stderr: [...job.stderr] };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `probe` until it returns a value other than `undefined`.
 * @param what what is awaited, for the failure message
 * @param probe returns the value once it is there
 * @param timeoutMs default {@link LINE_TIMEOUT_MS}
 * @returns the value
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = LINE_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
}

/**
 * A TCP port that was free a moment ago.
 * @returns the port
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}
