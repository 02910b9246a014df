import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { bearer, type ChatClients, createChatClients, LiveSession } from "@chat/client";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import type { Presence } from "@chat/gen/chat/v1/user_pb.js";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { repoRoot, ServerProcess } from "../../cli/test/server-process.ts";
import { freePorts } from "../../server/test/services/free-port.ts";
import { buildRenderer } from "../scripts/build.ts";
import { contentSecurityPolicy } from "../src/main/csp.ts";
import { serveRenderer } from "./static-server.ts";

/**
 * What the end-to-end tests of the renderer share: a real server process, the built renderer
 * served with its CSP, Debian's headless Chromium on it, other users as Node clients, and
 * screenshots (into test-artifacts/desktop, and docs/screenshots with CHAT_UPDATE_SCREENSHOTS=1).
 */

/** Debian's Chromium, installed by scripts/install-system-deps.sh. */
const chromiumPath = "/usr/bin/chromium";
/** Where every screenshot goes. */
export const artifacts = join(repoRoot, "test-artifacts", "desktop");
/** Where the documentation's screenshots live (refreshed only with CHAT_UPDATE_SCREENSHOTS=1). */
export const docsScreenshots = join(repoRoot, "docs", "screenshots");
/** Every test user's password. */
export const password = "correct horse battery";

/** A running server, the renderer and a browser page on it. */
export interface Harness {
  server: ServerProcess;
  browser: BrowserContext;
  page: Page;
  /** The renderer's address, talking to `server`. */
  webUrl: string;
  /** What the page printed to its console as errors or threw. */
  pageErrors: string[];
  /** Stops everything, last started first. */
  close(): Promise<void>;
}

/** Another user, on a Node client with a live session on the bidirectional stream. */
export interface NodeUser {
  clients: ChatClients;
  session: LiveSession;
  /** Every message the session delivered, in order. */
  messages: Message[];
  /** Every presence frame the session delivered, in order. */
  presences: Presence[];
  userId: string;
  token: string;
}

/** Starts a server (fresh data dir, with `serverArgs` as more flags), builds and serves the renderer, and opens Chromium on nothing yet. */
export async function openHarness(serverArgs: string[] = []): Promise<Harness> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: run scripts/install-system-deps.sh (as root) to install Chromium`);
  const cleanup: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  };
  const [serverPort, webPort] = await freePorts(2);
  const dataDir = await mkdtemp(join(tmpdir(), "chat-desktop-e2e-"));
  const profile = await mkdtemp(join(tmpdir(), "chat-desktop-chromium-"));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }), () => rm(profile, { recursive: true, force: true }));
  const server = new ServerProcess(serverPort!, dataDir, serverArgs);
  cleanup.push(() => server.kill());
  // A build of its own: suites run side by side, and a build empties its folder first.
  const built = await mkdtemp(join(tmpdir(), "chat-desktop-renderer-"));
  cleanup.push(() => rm(built, { recursive: true, force: true }));
  const [rendererDir] = await Promise.all([buildRenderer(built), server.start()]);
  const web: Server = await serveRenderer(rendererDir, contentSecurityPolicy(server.url), webPort!);
  cleanup.push(() => new Promise((resolve) => web.close(resolve)));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1100, height: 680 },
    deviceScaleFactor: 1,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  cleanup.push(() => browser.close());
  await browser.grantPermissions(["notifications"]);
  const page = browser.pages()[0] ?? await browser.newPage();
  const pageErrors: string[] = [];
  page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await mkdir(artifacts, { recursive: true });
  await mkdir(docsScreenshots, { recursive: true });
  const webUrl = `http://127.0.0.1:${webPort}/index.html?server=${encodeURIComponent(server.url)}`;
  return { server, browser, page, webUrl, pageErrors, close };
}

/** Registers `username` and starts their live session (closed by `cleanup`). */
export async function nodeUser(server: ServerProcess, username: string, cleanup: (() => Promise<unknown>)[]): Promise<NodeUser> {
  const anonymous = createChatClients(createGrpcTransport({ baseUrl: server.url }));
  const { token, user } = await anonymous.auth.register({ username, password, deviceName: "e2e" });
  const clients = createChatClients(createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(token)] }));
  const session = new LiveSession({ clients, backoff: { baseMs: 100, capMs: 500 } });
  const messages: Message[] = [];
  const presences: Presence[] = [];
  session.on("message", (m) => messages.push(m));
  session.on("presence", (p) => presences.push(p));
  cleanup.push(() => session.close());
  return { clients, session: session.start(), messages, presences, userId: user!.id, token };
}

/** Polls until `check` holds. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Saves a screenshot at a window size in test-artifacts (and docs/screenshots/ with CHAT_UPDATE_SCREENSHOTS=1). */
export async function shoot(page: Page, name: string, size: { width: number; height: number }): Promise<void> {
  await page.setViewportSize(size);
  // Away from the messages: a hovered (or focused) message shows its actions, which a screenshot does not want.
  await page.mouse.move(size.width - 2, 2);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await new Promise((r) => setTimeout(r, 300)); // let the layout settle after the resize
  // The emoji font loads per unicode range when text first needs it: shoot once it has.
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
  if (process.env.CHAT_UPDATE_SCREENSHOTS) await copyFile(join(artifacts, `${name}.png`), join(docsScreenshots, `${name}.png`));
}

/** The bubble of the message with exactly this text. */
export const bubble = (page: Page, text: string) => page.getByTestId("message").filter({ has: page.getByText(text, { exact: true }) });
