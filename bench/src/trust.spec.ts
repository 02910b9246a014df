import { readFileSync } from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { makeTestCertificate } from "../../server/test/services/test-certificate.ts";
import { parseOptions } from "./options.ts";
import { trustCaFile } from "./trust.ts";

describe("bench against an https:// server with a private CA", () => {
  const cert = makeTestCertificate();
  const server = http2.createSecureServer({ cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) }, (_req, res) => res.end("ok"));
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    cert.remove();
  });

  /** GET / over h2 as the bench's devices connect (node:http2 with the process's default CAs). */
  const get = (url: string) => new Promise<string>((resolve, reject) => {
    const session = http2.connect(url);
    session.once("error", reject);
    const req = session.request({ ":path": "/" });
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.once("end", () => {
      session.close();
      resolve(body);
    });
    req.once("error", reject);
  });

  it("--ca-file (or CHAT_CA_FILE) makes every connection of the process trust the CA", async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await expect(get(url)).rejects.toThrow(/certificate/i);
    const options = parseOptions(["direct", "--url", url, "--ca-file", cert.caFile], {});
    expect(options.caFile).toBe(cert.caFile);
    expect(parseOptions(["direct"], { CHAT_CA_FILE: cert.caFile }).caFile).toBe(cert.caFile);
    trustCaFile(options.caFile);
    expect(await get(url)).toBe("ok");
  });
});
