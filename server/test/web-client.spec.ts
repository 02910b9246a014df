import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { type RunningServer, startServer } from "../src/server.ts";

/** The web client at `/`: the renderer's files with their types and CSP, beside untouched RPC routes. */
let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chat-web-client-"));
  const web = join(dir, "web");
  await mkdir(join(web, "assets"), { recursive: true });
  await writeFile(join(web, "index.html"), "<!doctype html><html><head><title>Chat</title></head><body></body></html>");
  await writeFile(join(web, "assets", "index-1.js"), "console.log(1)");
  await writeFile(join(dir, "secret.txt"), "not for the web");
  server = await startServer(loadConfig(["--port", "0", "--data-dir", join(dir, "data"), "--web-dir", web], {}), pino({ level: "silent" }));
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the web client at /", () => {
  it("serves the index marked for its own origin, with the CSP, and assets with their types", async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("content-security-policy")).toContain("connect-src 'self'");
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await index.text()).toContain('<meta name="chat-server" content="same-origin" />');
    const script = await fetch(`${server.url}/assets/index-1.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toContain("immutable");
  });

  it("serves nothing outside its folder, and leaves /healthz and the RPCs alone", async () => {
    expect((await fetch(`${server.url}/..%2Fsecret.txt`)).status).toBe(404);
    expect((await fetch(`${server.url}/%2e%2e/secret.txt`)).status).toBe(404);
    expect((await fetch(`${server.url}/nothing-here.js`)).status).toBe(404);
    expect(await (await fetch(`${server.url}/healthz`)).text()).toBe("ok\n");
    const rpc = await fetch(`${server.url}/chat.v1.AuthService/Login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "nobody", password: "x" }) });
    expect(rpc.status).not.toBe(200);
    expect(((await rpc.json()) as { code?: string }).code).toBeDefined();
  });
});
