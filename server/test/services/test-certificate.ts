import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throwaway CA and a server certificate it signed, as PEM files in a temporary folder. */
export interface TestCertificate {
  /** The CA certificate a client trusts (`--ca-file`). */
  caFile: string;
  ca: Buffer;
  /** The server's certificate and key (`--tls-cert`, `--tls-key`). */
  certFile: string;
  keyFile: string;
  /** Deletes the files. */
  remove(): void;
}

/**
 * Makes a CA and a server certificate for `localhost` and `127.0.0.1` with openssl (installed by
 * scripts/install-system-deps.sh), valid for a day: a real chain, so that clients verify it as they
 * would a private CA's, rather than turning verification off.
 */
export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "chat-tls-"));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=chat test CA", "-keyout", path("ca.key"), "-out", path("ca.pem"));
  openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-subj", "/CN=localhost", "-keyout", path("server.key"), "-out", path("server.csr"));
  writeFileSync(path("ext.cnf"), "subjectAltName = DNS:localhost, IP:127.0.0.1\nextendedKeyUsage = serverAuth\n");
  openssl("x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial",
    "-days", "1", "-extfile", path("ext.cnf"), "-out", path("server.pem"));
  return {
    caFile: path("ca.pem"), ca: readFileSync(path("ca.pem")), certFile: path("server.pem"), keyFile: path("server.key"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
