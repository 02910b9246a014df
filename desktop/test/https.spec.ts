import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNode } from "../../server/test/harness.ts";
import { makeTestCertificate, type TestCertificate } from "../../server/test/services/test-certificate.ts";

/** Debian's Chromium, installed by scripts/install-system-deps.sh. */
const chromiumPath = "/usr/bin/chromium";

describe("the web client in Chromium over https (the server's own TLS port)", () => {
  let cert: TestCertificate;
  let dir: string;
  let server: Awaited<ReturnType<typeof startNode>>;
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: run scripts/install-system-deps.sh (as root) to install Chromium`);
    cert = makeTestCertificate();
    dir = await mkdtemp(join(tmpdir(), "chat-https-web-"));
    // The renderer's own build, into a folder of this test's (e2e.spec.ts builds into dist/ meanwhile).
    await build({ configFile: join(import.meta.dirname, "..", "vite.config.ts"), logLevel: "warn", build: { outDir: join(dir, "web"), emptyOutDir: true } });
    server = await startNode({ args: ["--tls-cert", cert.certFile, "--tls-key", cert.keyFile, "--web-dir", join(dir, "web")] });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-quic"] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    cert?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it("loads from https://, registers and stays signed in, its calls on h2", async () => {
    // The test CA is not in Chromium's store; the certificate chain itself is checked by the Node clients' TLS tests.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}/`);
    await page.getByRole("button", { name: "New here? Create an account" }).click();
    await page.getByLabel("Username").fill("httpsalice");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => page.getByTestId("me").textContent(), { timeout: 10_000 }).toBe("@httpsalice");
    const protocols = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => (e as PerformanceResourceTiming).nextHopProtocol));
    expect(new Set(protocols)).toEqual(new Set(["h2"]));
    expect(errors).toEqual([]);
    await context.close();
  });
});
