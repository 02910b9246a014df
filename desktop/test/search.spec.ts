import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { bearer, createChatClients } from "@chat/client";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, type Harness, type NodeUser, nodeUser, openHarness, password, shoot, until } from "./harness.ts";

// Search, jump-to-message, mute and the notification settings of the web app, in Chromium against a
// real server with Web Push configured. Screenshots: docs/screenshots/desktop-search-*.png
// (CHAT_UPDATE_SCREENSHOTS=1 npx vitest run desktop/test/search.spec.ts).

let harness: Harness;
let page: Page;
let bob: NodeUser;
const cleanup: (() => Promise<unknown>)[] = [];
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000 });
const size = { width: 1280, height: 800 };

/** A VAPID key pair as `chat-server push vapid-keys` writes it: base64url of the raw public point and private scalar. */
function vapidKeys(): string {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const pub = publicKey.export({ format: "jwk" });
  const raw = Buffer.concat([Buffer.from([4]), Buffer.from(pub.x!, "base64url"), Buffer.from(pub.y!, "base64url")]);
  return JSON.stringify({ publicKey: raw.toString("base64url"), privateKey: privateKey.export({ format: "jwk" }).d });
}

beforeAll(async () => {
  const keys = join(artifacts, "vapid-keys.json");
  await writeFile(keys, vapidKeys(), { mode: 0o600 });
  harness = await openHarness(["--push-vapid-keys-file", keys, "--push-vapid-subject", "mailto:ops@example.com"]);
  page = harness.page;
}, 180_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  await harness?.close();
});

/** Alice's own clients, on a device of her own (to read what the server keeps for her). */
async function aliceClients() {
  const { token } = await createChatClients(createGrpcTransport({ baseUrl: harness.server.url })).auth.login({ username: "alice", password, deviceName: "check" });
  return createChatClients(createGrpcTransport({ baseUrl: harness.server.url, interceptors: [bearer(token)] }));
}

describe("search in the web app", () => {
  it("finds messages with highlighted snippets and pages, opens a hit in its conversation with its context, and back to the newest", async () => {
    await page.setViewportSize(size);
    await page.goto(harness.webUrl);
    await page.getByRole("button", { name: "New here? Create an account" }).click();
    await page.getByLabel("Username").fill("alice");
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await poll(() => page.getByTestId("me").textContent()).toBe("@alice");

    bob = await nodeUser(harness.server, "bob", cleanup);
    const { conversation: launch } = await bob.clients.conversations.createGroup({ name: "launch", memberUsernames: ["alice"] });
    const launchId = launch!.id;
    const say = (conversationId: string, text: string, i: number) => bob.clients.live.sendMessage({ conversationId, clientMessageId: `${conversationId}-${i}`, text });
    // 100 messages: every fourth names the deploy, and one more (26 hits, 27 with the direct one: more than a page of 20).
    for (let i = 1; i <= 100; i++) {
      await say(launchId, i === 30 ? "The deploy of the billing service failed at the migration step" : i % 4 === 0 ? `deploy check ${i}: green` : `standup note ${i}`, i);
    }
    const { conversation: direct } = await bob.clients.conversations.getOrCreateDirect({ username: "alice" });
    await say(direct!.id, "Can you look at the deploy before lunch?", 1);
    await page.getByTestId("conversation").filter({ hasText: "@bob" }).waitFor();

    await page.getByTestId("search-input").fill("deploy");
    await page.getByTestId("search-input").press("Enter");
    await poll(() => page.getByTestId("search-summary").textContent()).toBe("20+ messages");
    const hits = page.getByTestId("search-hit");
    await poll(() => hits.first().textContent()).toContain("Can you look at the deploy before lunch?");
    expect(await hits.first().locator("mark").allTextContents()).toEqual(["deploy"]);
    await page.getByTestId("more-hits").click();
    await poll(() => page.getByTestId("search-summary").textContent()).toBe("27 messages");
    await poll(() => page.getByTestId("more-hits").count()).toBe(0);
    await shoot(page, "desktop-search-results", size);

    // The hit about the billing deploy, far back in the launch group: two words, both highlighted.
    await page.getByTestId("search-input").fill("deploy billing");
    await page.getByTestId("search-input").press("Enter");
    await poll(() => page.getByTestId("search-summary").textContent()).toBe("1 message");
    expect(await hits.first().locator("mark").allTextContents()).toEqual(["deploy", "billing"]);

    await hits.first().click();
    const found = page.locator(".message.found");
    await poll(() => found.textContent()).toContain("The deploy of the billing service failed");
    await poll(() => page.locator(".pane-header h2").textContent()).toBe("launch");
    // The messages around it are there; the newest are not loaded yet.
    await page.getByTestId("message").filter({ hasText: "standup note 29" }).waitFor();
    await page.getByTestId("message").filter({ hasText: "standup note 31" }).waitFor();
    expect(await page.getByTestId("message").filter({ hasText: "standup note 99" }).count()).toBe(0);
    await until("the hit in view", () => found.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const view = el.closest(".timeline")!.getBoundingClientRect();
      return box.top >= view.top && box.bottom <= view.bottom;
    }));
    await shoot(page, "desktop-search-jump", size);

    // "Jump to newest" (pinned over the list while newer messages are not loaded) goes straight to the end.
    await page.getByTestId("jump-newest").click();
    await page.getByTestId("message").filter({ hasText: "standup note 99" }).waitFor();
    await poll(() => page.getByTestId("gap").count()).toBe(0);
    expect(await page.getByTestId("jump-newest").count()).toBe(0);
    // Opened again, scrolling down reads the newer page in below it, which reaches the end here.
    await hits.first().click();
    await poll(() => page.getByTestId("gap").count()).toBe(1);
    await page.getByTestId("timeline").evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.getByTestId("message").filter({ hasText: "standup note 99" }).waitFor();
    await poll(() => page.getByTestId("gap").count()).toBe(0);
    expect(await found.count()).toBe(1);
  }, 120_000);

  it("mutes a conversation on the server (marked in the list), sets previews, and registers the service worker for Web Push", async () => {
    await page.getByRole("button", { name: "Close" }).click();
    await page.getByTestId("conversation").filter({ hasText: "launch" }).click();
    await page.getByTestId("mute").selectOption({ label: "for 8 hours" });
    await poll(() => page.getByTestId("muted").textContent()).toContain("Muted until");
    await page.getByTestId("conversation").filter({ hasText: "launch" }).getByTestId("muted-icon").waitFor();
    const alice = await aliceClients();
    const listed = async () => (await alice.conversations.listConversations({})).conversations.find((c) => c.name === "launch");
    await poll(async () => (await listed())?.muted).toBe(true);
    const until8h = Number((await listed())!.mutedUntil!.seconds) * 1000 - Date.now();
    expect(until8h).toBeGreaterThan(7.9 * 3_600_000);
    expect(until8h).toBeLessThanOrEqual(8 * 3_600_000);
    await shoot(page, "desktop-search-mute", size);
    await page.getByRole("button", { name: "Unmute" }).click();
    await poll(async () => (await listed())?.muted).toBe(false);

    await page.getByTestId("previews").check();
    await poll(async () => (await alice.push.getPushSettings({})).settings?.showPreviews).toBe(true);

    // Notifications are allowed (the harness grants them): the app registered its service worker with
    // the server's key and tried to subscribe. Headless Chromium has no push service, so subscribing
    // fails there and says so; a real browser gets an endpoint, which the app registers.
    await poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration("./"))?.active?.scriptURL ?? "")).toContain("/sw.js");
    const state = page.getByTestId("push-state");
    await expect.poll(() => state.getAttribute("data-kind"), { timeout: 30_000 }).toMatch(/^(failed|registered)$/);
    if ((await state.getAttribute("data-kind")) === "failed") expect(await state.textContent()).toMatch(/^Push could not be set up: /);
  }, 60_000);
});
