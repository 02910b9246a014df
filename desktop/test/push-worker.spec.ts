import type { CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, nodeUser, openHarness, password, until } from "./harness.ts";

// The web app's service worker in Chromium: a Web Push message (delivered through the DevTools protocol,
// as the browser's push service would) becomes one notification per conversation, and a click on it
// brings the app to that conversation. Headless Chromium has no push service to subscribe to, so the
// subscription itself is out of reach here (see desktop/README.md for what that leaves untested).

let harness: Harness;
let page: Page;
const cleanup: (() => Promise<unknown>)[] = [];
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000 });

beforeAll(async () => {
  harness = await openHarness();
  page = harness.page;
}, 180_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  await harness?.close();
});

/** Registers `username` in the page and waits for the chat. */
async function registerInPage(username: string): Promise<void> {
  await page.goto(harness.webUrl);
  await page.getByRole("button", { name: "New here? Create an account" }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await poll(() => page.getByTestId("me").textContent()).toBe(`@${username}`);
}

/** The service worker's registration id, as the DevTools protocol names it (to deliver a push to it). */
async function registrationId(cdp: CDPSession, scope: string): Promise<string> {
  let id = "";
  cdp.on("ServiceWorker.workerRegistrationUpdated", (e) => {
    for (const r of e.registrations) if (r.scopeURL === scope && !r.isDeleted) id = r.registrationId;
  });
  await cdp.send("ServiceWorker.enable");
  await until("the service worker's registration", () => id !== "");
  return id;
}

/** The notifications the service worker shows, as the page's registration lists them. */
function shown(): Promise<{ title: string; body: string; tag: string; data: unknown }[]> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as unknown }));
  });
}

/**
 * Delivers a push until the notifications are `expected`: a push that reaches a worker Chromium is
 * still waking is now and then dropped under load, and a push service sends it again too.
 */
async function deliverUntilShown(deliver: (payload: object) => Promise<unknown>, payload: object, expected: unknown[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await deliver(payload);
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline) {
      if (JSON.stringify(await shown()) === JSON.stringify(expected)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (attempt === 3) return void expect(await shown()).toEqual(expected);
  }
}

describe("the service worker", () => {
  it("shows a push message as one notification per conversation, and a click opens that conversation", async () => {
    await registerInPage("carol");
    const dave = await nodeUser(harness.server, "dave", cleanup);
    const erin = await nodeUser(harness.server, "erin", cleanup);
    const { conversation: withDave } = await dave.clients.conversations.getOrCreateDirect({ username: "carol" });
    const { conversation: withErin } = await erin.clients.conversations.getOrCreateDirect({ username: "carol" });
    await dave.clients.live.sendMessage({ conversationId: withDave!.id, clientMessageId: "d1", text: "lunch?" });
    await erin.clients.live.sendMessage({ conversationId: withErin!.id, clientMessageId: "e1", text: "hello" });
    await page.getByTestId("conversation").filter({ hasText: "@erin" }).click();
    await poll(() => page.locator(".pane-header h2").textContent()).toBe("@erin");

    // The worker the app builds, registered as the app registers it (web-push.ts), without a subscription.
    const scope = new URL("./", harness.webUrl).toString();
    await page.evaluate(async () => {
      const server = new URL(location.href).searchParams.get("server") ?? "";
      await navigator.serviceWorker.register(`./sw.js?server=${encodeURIComponent(server)}`, { scope: "./" });
      await navigator.serviceWorker.ready;
    });
    const cdp = await harness.browser.newCDPSession(page);
    const registration = await registrationId(cdp, scope);
    // A push to a worker that is still starting may be dropped: wait until it runs (a push service retries; this test does not).
    await until("the service worker running", () => harness.browser.serviceWorkers().some((w) => w.url().includes("/sw.js")));
    const worker = harness.browser.serviceWorkers().find((w) => w.url().includes("/sw.js"))!;
    await worker.evaluate(() => true);
    const deliver = (payload: object) => cdp.send("ServiceWorker.deliverPushMessage", { origin: new URL(scope).origin, registrationId: registration, data: JSON.stringify(payload) });

    const lunch = { title: "dave", body: "lunch?", tag: withDave!.id, data: { conversationId: withDave!.id, seq: 1 } };
    await deliverUntilShown(deliver, { conversationId: withDave!.id, seq: 1, count: 1, title: "dave", body: "lunch?", mention: false, ttlSeconds: 60 }, [lunch]);
    // A newer push of the same conversation replaces it (the tag), as the server's collapse intends.
    const three = { title: "dave", body: "3 new messages", tag: withDave!.id, data: { conversationId: withDave!.id, seq: 3 } };
    await deliverUntilShown(deliver, { conversationId: withDave!.id, seq: 3, count: 3, title: "dave", body: "3 new messages", mention: false, ttlSeconds: 60 }, [three]);
    // Something that is not ours shows nothing new.
    await deliver({ hello: "world" });

    // The click: headless Chromium cannot click a system notification, so the worker gets the event
    // it would get (an untrusted one: waitUntil refuses it, the handler's work runs all the same).
    await worker.evaluate(async () => {
      const scope = globalThis as unknown as { registration: ServiceWorkerRegistration; dispatchEvent(e: Event): boolean };
      const [notification] = await scope.registration.getNotifications();
      const NotificationEventClass = (globalThis as unknown as { NotificationEvent: new (type: string, init: { notification: Notification }) => Event }).NotificationEvent;
      scope.dispatchEvent(new NotificationEventClass("notificationclick", { notification: notification! }));
    });
    await poll(() => page.locator(".pane-header h2").textContent()).toBe("@dave");
    await poll(shown).toEqual([]);
  }, 60_000);
});
