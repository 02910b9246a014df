import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNode } from "../../server/test/harness.ts";
import { makeTestCertificate, type TestCertificate } from "../../server/test/services/test-certificate.ts";
import { repoRoot } from "./server-process.ts";

const run = promisify(execFile);

describe("the CLI over TLS (https:// with --ca-file), and its account commands", () => {
  let cert: TestCertificate;
  let server: Awaited<ReturnType<typeof startNode>>;
  let configDir: string;
  beforeAll(async () => {
    cert = makeTestCertificate();
    server = await startNode({ args: ["--tls-cert", cert.certFile, "--tls-key", cert.keyFile] });
    configDir = await mkdtemp(join(tmpdir(), "chat-cli-tls-"));
  });
  afterAll(async () => {
    await server?.close();
    cert?.remove();
    await rm(configDir, { recursive: true, force: true });
  });

  const chat = (...args: string[]) => run(process.execPath, [join(repoRoot, "cli/src/main.ts"), ...args], {
    env: { ...process.env, CHAT_CONFIG_DIR: configDir, CHAT_PASSWORD: "correct horse battery", CHAT_SERVER: "", CHAT_CA_FILE: "" },
  });

  it("registers with --ca-file, remembers the CA with the server, and sends without repeating it", async () => {
    // Without the CA the certificate is refused, not ignored.
    await expect(chat("register", "tlsalice", "--server", server.url)).rejects.toThrow(/certificate/i);
    expect((await chat("register", "tlsalice", "--server", server.url, "--ca-file", cert.caFile)).stdout).toContain("registered and logged in as @tlsalice");
    const config = JSON.parse(await readFile(join(configDir, "config.json"), "utf8")) as { server: string; caFile: string };
    expect(config).toMatchObject({ server: server.url, caFile: cert.caFile });
    const me = JSON.parse((await chat("whoami", "--json")).stdout) as { userId: string; username: string; server: string };
    expect(me).toMatchObject({ username: "tlsalice", server: server.url });
    const conversation = await server.chat.conversations.createGroup({ userId: me.userId, deviceId: "" }, "tls room", [], []);
    const ack = JSON.parse((await chat("send", conversation.id, "over the wire, sealed", "--json")).stdout) as { seq: string };
    expect(ack.seq).toBe(Number(conversation.lastSeq) + 1); // after the group's system events
  });

  it("chat passwd changes the password and logs the account's other devices out", async () => {
    const phone = await server.chat.accounts.login({ username: "tlsalice", password: "correct horse battery", deviceName: "phone" });
    const passwd = (input: string) => {
      const child = execFile(process.execPath, [join(repoRoot, "cli/src/main.ts"), "passwd", "--password-stdin"], {
        env: { ...process.env, CHAT_CONFIG_DIR: configDir, CHAT_SERVER: "", CHAT_CA_FILE: "" },
      });
      child.stdin!.end(input);
      return new Promise<{ code: number | null; out: string }>((resolve) => {
        let out = "";
        child.stdout!.on("data", (c) => (out += c));
        child.stderr!.on("data", (c) => (out += c));
        child.once("exit", (code) => resolve({ code, out }));
      });
    };
    expect(await passwd("not it\na brand new password\n")).toMatchObject({ code: 1, out: expect.stringContaining("current password is wrong") });
    expect(await passwd("correct horse battery\na brand new password\n")).toEqual({ code: 0, out: "password changed; 1 other device logged out\n" });
    await expect(server.chat.accounts.authenticate(phone.token)).rejects.toThrow(/unknown or was revoked/);
    expect((await chat("whoami", "--json")).stdout).toContain("tlsalice"); // this terminal stays logged in
  });
});
