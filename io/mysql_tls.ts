/**
 * The TLS settings of a `--jdbcUrl`, with MySQL Connector/J's meanings, so that a URL written for
 * the Flink job keeps its security: a TLS parameter is honoured or refused, never ignored.
 *
 * Connector/J 8: `sslMode` is DISABLED, PREFERRED (its default), REQUIRED, VERIFY_CA or
 * VERIFY_IDENTITY; the older `useSSL`, `requireSSL` and `verifyServerCertificate` map onto it
 * (`useSSL=false` → DISABLED; `useSSL=true` → PREFERRED, REQUIRED with `requireSSL=true`,
 * VERIFY_CA with `verifyServerCertificate=true`). MariaDB Connector/J's `sslMode` values
 * (`disable`, `trust`, `verify-ca`, `verify-full`) are accepted as their equivalents.
 *
 * @module
 */

/** Connector/J's `sslMode`. */
export type MysqlSslMode = "DISABLED" | "PREFERRED" | "REQUIRED" | "VERIFY_CA" | "VERIFY_IDENTITY";

/** How the connection to MySQL is secured. */
export interface MysqlTls {
  readonly mode: MysqlSslMode;
  /** A PEM file of the CA(s) that verify the server; default the system's roots. */
  readonly caFile?: string;
}

const MODES: Record<string, MysqlSslMode> = {
  DISABLED: "DISABLED",
  PREFERRED: "PREFERRED",
  REQUIRED: "REQUIRED",
  VERIFY_CA: "VERIFY_CA",
  VERIFY_IDENTITY: "VERIFY_IDENTITY",
  // MariaDB Connector/J 3.
  DISABLE: "DISABLED",
  TRUST: "REQUIRED",
  "VERIFY-CA": "VERIFY_CA",
  "VERIFY-FULL": "VERIFY_IDENTITY",
};

/** Parameters that would change TLS if honoured, and why each is refused here. */
const REFUSED: Record<string, string> = {
  trustcertificatekeystoreurl:
    "Java keystores cannot be read here: give the CA as a PEM file with --jdbcSslCaFile",
  clientcertificatekeystoreurl: "client certificates are not supported",
  servercert: "use --jdbcSslCaFile with the PEM file",
  serversslcert: "use --jdbcSslCaFile with the PEM file",
  keystore: "client certificates are not supported",
  enabledtlsprotocols: "the TLS versions are those of the runtime (TLS 1.2 and 1.3)",
  enabledsslciphersuites: "the cipher suites are those of the runtime",
  fallbacktosystemtruststore: "the system's roots are used only when no CA file is given",
};

/**
 * Reads the TLS settings of a JDBC URL's parameters.
 * @param params the URL's query parameters (from `parseJdbcUrl`)
 * @param caFile the `--jdbcSslCaFile` flag, if given
 * @returns the mode and CA file
 * @throws {RangeError} for a TLS parameter that is not understood or an unknown value, naming it
 */
export function mysqlTlsOf(
  params: ReadonlyMap<string, string>,
  caFile: string | undefined,
): MysqlTls {
  let sslMode: string | undefined;
  const legacy = new Map<string, boolean>();
  for (const [key, value] of params) {
    const lower = key.toLowerCase();
    if (lower === "sslmode") sslMode = value;
    else if (["usessl", "requiressl", "verifyservercertificate"].includes(lower)) {
      const flag = value.toLowerCase();
      if (!["true", "false", "yes", "no"].includes(flag)) {
        throw new RangeError(`JDBC URL parameter "${key}" must be true or false, got "${value}"`);
      }
      legacy.set(lower, flag === "true" || flag === "yes");
    } else if (lower in REFUSED || /ssl|tls|keystore/.test(lower)) {
      const why = REFUSED[lower] ?? "it is not understood";
      throw new RangeError(`JDBC URL parameter "${key}" is not supported: ${why}`);
    }
  }
  let mode: MysqlSslMode;
  if (sslMode !== undefined) {
    const known = MODES[sslMode.toUpperCase()];
    if (known === undefined) {
      throw new RangeError(
        `JDBC URL parameter "sslMode" must be one of ${
          Object.keys(MODES).slice(0, 5).join(", ")
        }, got "${sslMode}"`,
      );
    }
    mode = known;
  } else if (legacy.get("usessl") === false) mode = "DISABLED";
  else if (legacy.get("verifyservercertificate") === true) mode = "VERIFY_CA";
  else if (legacy.get("requiressl") === true) mode = "REQUIRED";
  else mode = "PREFERRED";
  if (caFile !== undefined && mode !== "VERIFY_CA" && mode !== "VERIFY_IDENTITY") {
    throw new RangeError(
      `--jdbcSslCaFile needs sslMode=VERIFY_CA or VERIFY_IDENTITY in the JDBC URL, which is "${mode}"`,
    );
  }
  return caFile === undefined ? { mode } : { mode, caFile };
}
