/**
 * The command-line machinery behind the job's flags: `--name value` pairs, values from
 * `EDGECEP_*` environment variables, "did you mean" for near misses, and `--help` rendered from
 * one table of flags, so that adding a flag is one row.
 *
 * @module
 */

/** One flag of a command: its name, help and default, read by the parser and `--help`. */
export interface FlagSpec {
  /** The name without dashes, e.g. `jdbcUrl`. */
  readonly name: string;
  /** The value's placeholder in `--help`, e.g. `URL`. */
  readonly value: string;
  /** The default as `--help` shows it; omitted when there is none. */
  readonly default?: string;
  /** One line of help. */
  readonly help: string;
  /**
   * A secret: it may only come from its environment variable, never from the command line,
   * where `ps` and `deno task` would show it.
   */
  readonly envOnly?: boolean;
}

/** A command line that cannot start the job. */
export class UsageError extends Error {
  /** @param message which flag and what is wrong */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The environment variable of a flag: `EDGECEP_` and the name in upper snake case.
 * @param name e.g. `jdbcUrl`
 * @returns e.g. `EDGECEP_JDBC_URL`
 */
export function envName(name: string): string {
  return `EDGECEP_${name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;
}

/**
 * Reads `--name value` (or `--name=value`) pairs, as Flink's `ParameterTool.fromArgs` does.
 * @param args the command line
 * @param known the accepted names
 * @returns the values by name
 * @throws {UsageError} for unknown (with the nearest known name) or repeated flags and missing
 *   values
 */
export function readFlagPairs(
  args: readonly string[],
  known: ReadonlySet<string>,
): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) {
      throw new UsageError(`Unexpected argument "${arg}": flags look like --name value`);
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!known.has(name)) {
      const near = nearest(name, known);
      throw new UsageError(
        `Unknown flag "--${name}"${near === undefined ? "" : `; did you mean "--${near}"?`}`,
      );
    }
    if (values.has(name)) throw new UsageError(`Flag "--${name}" is given twice`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      if (value === undefined || (value.startsWith("--") && value.length > 2)) {
        throw new UsageError(`Flag "--${name}" needs a value`);
      }
      i++;
    }
    values.set(name, value);
  }
  return values;
}

/**
 * Reads a command's flags from its command line, then each flag not given there from its
 * environment variable (a set, non-empty one): flags win. Secrets come from the environment only.
 * @param args the command line
 * @param options the flag table and the environment lookup
 * @returns the values by name
 * @throws {UsageError} as {@link readFlagPairs} does, and for a secret given as a flag
 */
export function readFlags(
  args: readonly string[],
  options: {
    readonly flags: readonly FlagSpec[];
    readonly env: (name: string) => string | undefined;
  },
): Map<string, string> {
  const secrets = options.flags.filter((f) => f.envOnly);
  for (const secret of secrets) {
    if (args.some((a) => a === `--${secret.name}` || a.startsWith(`--${secret.name}=`))) {
      throw new UsageError(
        `--${secret.name} is a secret: set ${envName(secret.name)} instead, so that it shows ` +
          "in no command line",
      );
    }
  }
  const values = readFlagPairs(
    args,
    new Set(options.flags.filter((f) => !f.envOnly).map((f) => f.name)),
  );
  for (const flag of options.flags) {
    if (values.has(flag.name)) continue;
    const value = options.env(envName(flag.name));
    if (value !== undefined && value !== "") values.set(flag.name, value);
  }
  return values;
}

/**
 * Renders the flag table for `--help`: flag, default, environment variable and help, aligned.
 * @param flags the table
 * @returns one line per flag
 */
export function formatFlagTable(flags: readonly FlagSpec[]): string {
  const rows = flags.map((f) => [
    f.envOnly ? "(environment only)" : `--${f.name} ${f.value}`,
    f.default ?? "",
    envName(f.name),
    f.help,
  ]);
  const head = ["FLAG", "DEFAULT", "ENVIRONMENT", ""];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  return [head, ...rows]
    .map((r) => r.map((cell, c) => c === 3 ? cell : cell.padEnd(widths[c]!)).join("  ").trimEnd())
    .map((line) => `  ${line}`)
    .join("\n");
}

/** The known name closest to a mistyped one: same letters in another case, or an edit or two. */
function nearest(name: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === name.toLowerCase()
      ? 0
      : editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/** Levenshtein distance, by one row of the dynamic programme. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
