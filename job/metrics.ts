/**
 * The job's counters and gauges, rendered in the Prometheus text format for `/metrics`.
 *
 * @module
 */

/** A source of values read at scrape time (live partial matches, consumer lag, …). */
export type GaugeReader = () => ReadonlyMap<string, number> | number;

interface Family {
  readonly help: string;
  readonly type: "counter" | "gauge";
  /** One label name, or several whose values are joined by {@link LABEL_SEPARATOR}. */
  readonly label: string | readonly string[] | null;
  readonly values: Map<string, number>;
  read: GaugeReader | null;
}

/** Joins the values of a metric with several labels, e.g. `demo_topic` and `0`. */
export const LABEL_SEPARATOR = "\u0000";

/** Counters and gauges by name; a name may carry a label (e.g. `rule`) or several. */
export class Metrics {
  readonly #families = new Map<string, Family>();

  /**
   * Declares a metric. Declaring twice is an error so that names stay unique.
   * @param name e.g. `edgecep_events_in_total`
   * @param options help text, type, the label name if any, and a reader for scrape-time gauges
   * @throws {RangeError} for a repeated or malformed name
   */
  declare(
    name: string,
    options: {
      help: string;
      type: "counter" | "gauge";
      label?: string | readonly string[];
      read?: GaugeReader;
    },
  ): void {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name) || this.#families.has(name)) {
      throw new RangeError(`Cannot declare metric "${name}": the name is malformed or taken`);
    }
    this.#families.set(name, {
      help: options.help,
      type: options.type,
      label: options.label ?? null,
      values: new Map(),
      read: options.read ?? null,
    });
  }

  /** Adds `by` to a counter (per label value when the metric has a label). */
  add(name: string, by = 1, labelValue = ""): void {
    const family = this.#family(name);
    family.values.set(labelValue, (family.values.get(labelValue) ?? 0) + by);
  }

  /** Sets a gauge. */
  set(name: string, value: number, labelValue = ""): void {
    this.#family(name).values.set(labelValue, value);
  }

  /** The current value, for tests and logs. */
  get(name: string, labelValue = ""): number {
    return this.#family(name).values.get(labelValue) ?? 0;
  }

  /** Renders every metric in the Prometheus text exposition format (version 0.0.4). */
  render(): string {
    const lines: string[] = [];
    for (const [name, family] of this.#families) {
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      let values: ReadonlyMap<string, number> = family.values;
      if (family.read !== null) {
        const read = family.read();
        values = typeof read === "number" ? new Map([["", read]]) : read;
      }
      if (values.size === 0 && family.label === null) values = new Map([["", 0]]);
      for (const [label, value] of values) {
        const labels = formatLabels(family.label, label);
        lines.push(`${name}${labels} ${formatValue(value)}`);
      }
    }
    return lines.join("\n") + "\n";
  }

  #family(name: string): Family {
    const family = this.#families.get(name);
    if (family === undefined) throw new RangeError(`Unknown metric "${name}"`);
    return family;
  }
}

function formatLabels(names: string | readonly string[] | null, value: string): string {
  if (names === null) return "";
  if (typeof names === "string") return `{${names}="${escapeLabel(value)}"}`;
  const values = value.split(LABEL_SEPARATOR);
  return `{${names.map((name, i) => `${name}="${escapeLabel(values[i] ?? "")}"`).join(",")}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return Number.isNaN(value) ? "NaN" : String(value);
}
