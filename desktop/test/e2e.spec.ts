import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createClient } from "@connectrpc/connect";
import { bearer, createChatClients } from "@chat/client";
import { BotService } from "@chat/gen/chat/v1/bot_pb.js";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerProcess } from "../../cli/test/server-process.ts";
import { artifacts, bubble, docsScreenshots, type Harness, nodeUser, openHarness, password, shoot as shootAt, until } from "./harness.ts";

/** Refreshed with `CHAT_UPDATE_SCREENSHOTS=1 npx vitest run desktop/test/e2e.spec.ts`. */
const screenshot = join(docsScreenshots, "desktop.png");

let harness: Harness;
let server: ServerProcess;
let webUrl: string;
let page: Page;
const cleanup: (() => Promise<unknown>)[] = [];
/** expect.poll with room for a busy machine. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000 });
/** What the page printed to its console or threw, for failure messages and the CSP check. */
let pageErrors: string[];

/** Bob, from a Node client: his own device with a live session on the bidirectional stream. */
const bobJoins = () => nodeUser(server, "bob", cleanup);

/** Saves a screenshot at a window size (see harness.ts). */
const shoot = (name: string, size: { width: number; height: number }) => shootAt(page, name, size);

/** The bubble of the message with exactly this text. */
const message = (text: string) => bubble(page, text);

beforeAll(async () => {
  harness = await openHarness();
  ({ server, webUrl, page, pageErrors } = harness);
}, 180_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  await harness?.close();
});

describe("the desktop app's renderer in Chromium, against a real server", () => {
  it("registers, chats live both ways with typing and read marks, reads older history, and rides out a server restart", async () => {
    try {
      await page.goto(webUrl);
      await page.getByRole("button", { name: "New here? Create an account" }).click();
      await page.getByLabel("Username").fill("alice");
      await page.getByLabel("Password").fill(password);
      await page.screenshot({ path: join(artifacts, "register.png") });
      await page.getByRole("button", { name: "Create account" }).click();
      await poll(() => page.getByTestId("me").textContent()).toBe("@alice");
      await poll(() => page.locator(".empty").textContent()).toContain("No conversation yet");

      // A group with a long history: the newest messages arrive, older ones load on scrolling up.
      const bob = await bobJoins();
      const { conversation: group } = await bob.clients.conversations.createGroup({ name: "launch", memberUsernames: ["alice"] });
      for (let i = 1; i <= 70; i++) {
        await bob.clients.live.sendMessage({ conversationId: group!.id, clientMessageId: `u${i}`, text: `update ${i}` });
      }
      await message("update 70").waitFor();
      // The rows already drawn stay the same elements while older pages are put before them.
      await message("update 70").evaluate((el) => el.setAttribute("data-drawn-first", ""));
      const timeline = page.getByTestId("timeline");
      await until("the start of the group's history", async () => {
        await timeline.evaluate((el) => (el.scrollTop = 0));
        return (await message("update 1").count()) === 1;
      });
      expect(await message("update 70").getAttribute("data-drawn-first")).toBe("");
      await poll(() => page.locator(".timeline-top").textContent()).toBe("This is the start of the conversation.");
      // The 70 updates, each once (the group's "created" system event is drawn too, as its own line).
      expect(await page.getByTestId("message").filter({ hasText: /^.*update \d+/ }).count()).toBe(70);

      // Bob writes directly: the conversation appears with an unread count, the message live.
      await until("bob online", () => bob.session.state === "online");
      const { conversation: direct } = await bob.clients.conversations.getOrCreateDirect({ username: "alice" });
      const directId = direct!.id;
      await bob.session.send(directId, "Hi Alice! Are we still on for the demo at 3?");
      const bobRow = page.getByTestId("conversation").filter({ hasText: "@bob" });
      await poll(() => bobRow.getByTestId("unread").textContent()).toBe("1");
      await bobRow.click();
      await message("Hi Alice! Are we still on for the demo at 3?").waitFor();
      await poll(() => page.getByTestId("presence").textContent()).toBe("online");
      expect(await bobRow.getByTestId("unread").count()).toBe(0);
      // Alice has it open in a focused window: Bob sees it read.
      await until("alice's read receipt", async () => {
        const { conversation } = await bob.clients.conversations.getConversation({ conversationId: directId });
        return conversation!.readStates.find((r) => r.userId !== bob.userId)?.readSeq === 1n;
      });

      bob.session.setTyping(directId, true);
      await poll(() => page.getByTestId("typing").textContent()).toBe("bob is typing…");

      // Alice replies: Bob receives it; her message goes ✓, ✓✓ (delivered), then read.
      await page.getByTestId("composer").fill("Yes, see you at 3! I'll bring the slides.");
      await page.getByTestId("composer").press("Enter");
      await until("bob receives the reply", () => bob.messages.some((m) => m.text === "Yes, see you at 3! I'll bring the slides."));
      const reply = message("Yes, see you at 3! I'll bring the slides.");
      await poll(() => reply.getByTestId("status").textContent()).toBe("✓");
      const seq = bob.messages.find((m) => m.text.startsWith("Yes, see you"))!.seq;
      bob.session.markDelivered(directId, seq);
      await poll(() => reply.getByTestId("status").textContent()).toBe("✓✓");
      bob.session.markRead(directId, seq);
      await poll(() => reply.getByTestId("status").textContent()).toBe("✓✓ read");
      bob.session.setTyping(directId, false);
      await poll(() => page.getByTestId("typing").textContent()).toBe("");

      await bob.session.send(directId, "Perfect. I booked the big room, see you there.");
      await message("Perfect. I booked the big room, see you there.").waitFor();

      // A direct conversation with nobody: the dialog says why, and nothing is created.
      await page.getByRole("button", { name: "+ Chat" }).click();
      await page.getByLabel("Name or username").fill("@nobody");
      await page.getByRole("button", { name: "Open chat" }).click();
      // In words a person reads, not the wire code.
      await poll(() => page.getByRole("alert").textContent()).toMatch(/^User @?nobody .*not found\.$/i);
      await page.getByRole("button", { name: "Cancel" }).click();
      expect(await page.getByTestId("conversation").count()).toBe(2);

      // Elsewhere, a new message counts as unread; here, Bob starts typing again.
      await bob.clients.live.sendMessage({ conversationId: group!.id, clientMessageId: "u71", text: "update 71: staging is green" });
      await poll(() => page.getByTestId("conversation").filter({ hasText: "launch" }).getByTestId("unread").textContent()).toBe("1");
      bob.session.setTyping(directId, true);
      await poll(() => page.getByTestId("typing").textContent()).toBe("bob is typing…");
      await page.screenshot({ path: join(artifacts, "desktop.png") });
      // The docs' screenshot changes only when asked: a test run must leave the work tree clean.
      if (process.env.CHAT_UPDATE_SCREENSHOTS) await copyFile(join(artifacts, "desktop.png"), screenshot);
      bob.session.setTyping(directId, false);

      // The group, as Alice reads it (the unread message is read on opening).
      await page.getByTestId("conversation").filter({ hasText: "launch" }).click();
      await message("update 71: staging is green").waitFor();
      await page.screenshot({ path: join(artifacts, "group.png") });
      await page.getByTestId("conversation").filter({ hasText: "@bob" }).click();

      // The server dies: the banner says so, a message waits, and goes out once when it is back.
      await server.kill();
      await page.getByTestId("banner").filter({ hasText: "Reconnecting" }).waitFor();
      await page.getByTestId("composer").fill("sent while the server was down");
      await page.getByTestId("composer").press("Enter");
      await poll(() => message("sent while the server was down").getByTestId("status").textContent()).toBe("queued");
      await page.screenshot({ path: join(artifacts, "reconnecting.png") });
      await server.start();
      await page.getByTestId("banner").waitFor({ state: "detached", timeout: 20_000 });
      await until("bob receives the queued message", () => bob.messages.some((m) => m.text === "sent while the server was down"), 20_000);
      await poll(() => message("sent while the server was down").getByTestId("status").textContent()).toMatch(/^✓/);
      expect(bob.messages.filter((m) => m.text === "sent while the server was down")).toHaveLength(1);
      expect(await message("sent while the server was down").count()).toBe(1);

      // A new group from the UI.
      await page.getByRole("button", { name: "+ Group" }).click();
      await page.getByLabel("Group name").fill("design review");
      await page.getByLabel("Members (usernames, optional)").fill("@bob");
      await page.getByRole("button", { name: "Create group" }).click();
      await poll(() => page.locator(".pane-header h2").textContent()).toBe("design review");
      // Members joined in the same instant: either order is "oldest first".
      await poll(() => page.getByTestId("presence").textContent()).toMatch(/^2 members: (@alice, @bob|@bob, @alice)$/);
      // A mention in another conversation: a desktop notification (permission granted), the count in the title.
      await page.evaluate(() => {
        const shown: string[] = [];
        (window as unknown as { shown: string[] }).shown = shown;
        const Real = window.Notification;
        // Records what the app asks the browser to show (headless Chromium draws no notifications).
        window.Notification = class extends Real {
          constructor(title: string, options?: NotificationOptions) {
            super(title, options);
            shown.push(`${title}: ${options?.body ?? ""}`);
          }
        } as typeof Notification;
      });
      await bob.clients.live.sendMessage({ conversationId: group!.id, clientMessageId: "u72", text: "@alice can you check https://example.com/status before the demo?" });
      await poll(() => page.evaluate(() => (window as unknown as { shown: string[] }).shown)).toEqual(["@bob in launch: @alice can you check https://example.com/status before the demo?"]);
      await poll(() => page.title()).toBe("(1) Chat");
      const launch = page.getByTestId("conversation").filter({ hasText: "launch" });
      await launch.click();
      const mention = message("@alice can you check https://example.com/status before the demo?");
      await poll(() => mention.locator(".at.self").textContent()).toBe("@alice");
      await poll(() => mention.getByRole("link").getAttribute("href")).toBe("https://example.com/status");
      await page.getByTestId("new-messages").waitFor();
      await poll(() => page.title()).toBe("Chat");
      await bob.clients.live.sendMessage({ conversationId: group!.id, clientMessageId: "u73", text: "Thanks! 🎉🚀 see you there" });
      await message("Thanks! 🎉🚀 see you there").waitFor();
      // Bob adds his deploy bot: a system line says so, and the bot's messages carry a "bot" tag.
      const bobTransport = createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(bob.token)] });
      const bots = createClient(BotService, bobTransport);
      const { bot } = await bots.createBot({ username: "deploy-bot", displayName: "Deploy" });
      const { token: botToken } = await bots.createBotToken({ botId: bot!.id, name: "ci", canWrite: true });
      await bob.clients.conversations.addMembers({ conversationId: group!.id, usernames: ["deploy-bot"] });
      await poll(() => page.getByTestId("system-line").allTextContents()).toEqual(["@bob created the group with you", "@bob added @deploy-bot"]);
      const botClients = createChatClients(createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(botToken)] }));
      await botClients.live.sendMessage({ conversationId: group!.id, clientMessageId: "d1", text: "Deployed 4f2a91c to staging ✅" });
      await poll(() => message("Deployed 4f2a91c to staging ✅").locator(".sender").textContent()).toBe("@deploy-botbot");
      // Who read my message, on a click of its receipt.
      await page.getByTestId("composer").fill("Great, thanks both!");
      await page.getByTestId("composer").press("Enter");
      const thanks = message("Great, thanks both!");
      await poll(() => thanks.getByTestId("status").textContent()).toBe("✓");
      await until("bob receives alice's thanks", () => bob.messages.some((m) => m.text === "Great, thanks both!"));
      bob.session.markRead(group!.id, bob.messages.find((m) => m.text === "Great, thanks both!")!.seq);
      await thanks.getByTestId("status").click();
      await poll(() => thanks.getByTestId("seen-by").textContent()).toBe("your latest message: read by @bob · not yet @deploy-bot");
      await shoot("desktop-1280", { width: 1280, height: 800 });
      await page.emulateMedia({ colorScheme: "dark" });
      await shoot("desktop-dark", { width: 1280, height: 800 });
      await page.emulateMedia({ colorScheme: "light" });
      // 360 px: the conversation alone, with a way back to the list.
      await shoot("desktop-360", { width: 360, height: 740 });
      await page.getByRole("button", { name: "Back to conversations" }).click();
      await shoot("desktop-360-list", { width: 360, height: 740 });
      await page.setViewportSize({ width: 1100, height: 680 });

      // Finding someone by the start of their name, and the note to self.
      await page.getByRole("button", { name: "+ Chat" }).click();
      await page.getByLabel("Name or username").fill("dep");
      await poll(() => page.getByTestId("suggestion").allTextContents()).toEqual(["@deploy-bot Deploybot"]);
      await shoot("desktop-search", { width: 1280, height: 800 });
      await page.getByTestId("suggestion").click();
      await poll(() => page.locator(".pane-header h2").textContent()).toBe("@deploy-bot");
      await poll(() => page.getByTestId("presence").textContent()).toMatch(/^bot · /);
      await page.getByRole("button", { name: "+ Chat" }).click();
      await page.getByRole("button", { name: /^Note to self/ }).click();
      await poll(() => page.locator(".pane-header h2").textContent()).toBe("Note to self");
      await page.getByTestId("composer").fill("buy milk");
      await page.getByTestId("composer").press("Enter");
      await poll(() => message("buy milk").getByTestId("status").textContent()).toBe("✓");

      // The Content-Security-Policy let the app do all of this, and holds: any other origin is refused.
      expect(pageErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
      const refused = await page.evaluate(() => new Promise<string>((resolve) => {
        document.addEventListener("securitypolicyviolation", (e) => resolve(e.effectiveDirective), { once: true });
        fetch("http://127.0.0.1:9/elsewhere").catch(() => {});
      }));
      expect(refused).toBe("connect-src");
    } catch (err) {
      await page.screenshot({ path: join(artifacts, "failure.png") }).catch(() => {});
      throw new Error(`${(err as Error).message}\npage errors: ${pageErrors.join("\n")}\nserver: ${server.output.slice(-2_000)}`, { cause: err });
    }
  }, 120_000);
});
