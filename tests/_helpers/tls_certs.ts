/**
 * Certificates for TLS tests, made with the `openssl` command: a CA and a server certificate it
 * signs for `localhost` and `127.0.0.1`, plus an unrelated CA that must not verify the server.
 *
 * @module
 */

/** PEM files in a temporary directory. */
export interface TestCertificates extends AsyncDisposable {
  readonly dir: string;
  /** The CA that signed the server certificate. */
  readonly caFile: string;
  /** A CA that signed nothing here. */
  readonly otherCaFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args: [...args], cwd, stdin: "null" }).output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/**
 * Makes a CA, a server certificate for localhost/127.0.0.1 signed by it, and another CA.
 * @returns the files; disposing deletes them
 */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await Deno.makeTempDir({ prefix: "edgecep_tls_" });
  const days = ["-days", "2"];
  for (const ca of ["ca", "other_ca"]) {
    await openssl([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${ca}.key`,
      "-out",
      `${ca}.pem`,
      ...days,
      "-subj",
      `/CN=edgecep test ${ca}`,
    ], dir);
  }
  await openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  ], dir);
  await Deno.writeTextFile(`${dir}/server.ext`, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    ...days,
    "-extfile",
    "server.ext",
  ], dir);
  return {
    dir,
    caFile: `${dir}/ca.pem`,
    otherCaFile: `${dir}/other_ca.pem`,
    serverCertFile: `${dir}/server.pem`,
    serverKeyFile: `${dir}/server.key`,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}
