import { readFileSync } from "node:fs";
import tls from "node:tls";

/**
 * Adds the CA certificate (PEM) in `file` to the CAs every TLS connection of this process trusts,
 * beside the system's: `--url https://…` against a server with a self-signed or private certificate.
 * The coordinator and each load agent call it (agents read the file from `CHAT_CA_FILE`, which they
 * inherit), since every process has its own default CAs.
 */
export function trustCaFile(file: string | undefined): void {
  if (!file) return;
  tls.setDefaultCACertificates([...tls.getCACertificates("default"), readFileSync(file, "utf8")]);
}
