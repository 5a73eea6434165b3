/**
 * A certificate authority of the test run's own, made with `openssl` into a
 * temporary directory: a CA, a server certificate for 127.0.0.1 and
 * localhost, one for the name localhost alone (as a certificate names a
 * server whose address may change), a client certificate, and a second CA
 * that signed none of them (the "wrong CA" a client may be given). `close()` deletes the directory.
 *
 * @module
 */
import { join } from "node:path";

export interface CertificatePaths {
  ca: string;
  serverCert: string;
  serverKey: string;
  /** Valid for the host name `localhost` only: a client that checks it against 127.0.0.1 fails. */
  namedServerCert: string;
  namedServerKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here: trusting it alone must fail the handshake. */
  otherCa: string;
}

/** Whether openssl is on PATH; tests that need certificates skip without it. */
export function opensslAvailable(): boolean {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const output = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `openssl ${args[0]} failed: ${new TextDecoder().decode(output.stderr).trim()}`,
    );
  }
}

/**
 * `openssl req` flags for a new P-256 key (quick to make, and every TLS stack
 * here takes them) at `<name>.key`, and the request's output at `<name>.<out>`.
 */
function newKey(name: string, out: "pem" | "csr"): string[] {
  const curve = ["-pkeyopt", "ec_paramgen_curve:prime256v1"];
  return ["-newkey", "ec", ...curve, "-nodes", "-keyout", `${name}.key`, "-out", `${name}.${out}`];
}

async function selfSignedCa(dir: string, name: string, subject: string): Promise<void> {
  await openssl(
    dir,
    "req",
    "-x509",
    ...newKey(name, "pem"),
    "-days",
    "2",
    "-subj",
    subject,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
}

async function signed(dir: string, name: string, subject: string, ext: string): Promise<void> {
  await openssl(
    dir,
    "req",
    ...newKey(name, "csr"),
    "-subj",
    subject,
  );
  await Deno.writeTextFile(join(dir, `${name}.ext`), ext);
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  );
}

export class TestCertificates {
  private constructor(readonly dir: string, readonly paths: CertificatePaths) {}

  static async create(): Promise<TestCertificates> {
    const dir = await Deno.makeTempDir({ prefix: "bazaar-tls-" });
    try {
      await selfSignedCa(dir, "ca", "/CN=bazaar test CA");
      await selfSignedCa(dir, "other-ca", "/CN=some other CA");
      await signed(
        dir,
        "server",
        "/CN=127.0.0.1",
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n" +
          "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
      );
      await signed(
        dir,
        "named-server",
        "/CN=localhost",
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n" +
          "subjectAltName=DNS:localhost\n",
      );
      await signed(
        dir,
        "client",
        "/CN=bazaar test client",
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
      );
    } catch (error) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw error;
    }
    const path = (file: string) => join(dir, file);
    return new TestCertificates(dir, {
      ca: path("ca.pem"),
      serverCert: path("server.pem"),
      serverKey: path("server.key"),
      namedServerCert: path("named-server.pem"),
      namedServerKey: path("named-server.key"),
      clientCert: path("client.pem"),
      clientKey: path("client.key"),
      otherCa: path("other-ca.pem"),
    });
  }

  async close(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
