import { openAsBlob } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createChatClients, uploadFile } from "@chat/client";
import { Availability } from "@chat/gen/chat/v1/user_pb.js";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../cli/test/server-process.ts";
import { artifacts, bubble, type Harness, type NodeUser, nodeUser, openHarness, password, shoot, until } from "./harness.ts";

/**
 * Issue 13 in the desktop renderer, in headless Chromium against a real server: edits, deletes,
 * replies, reactions, mentions, system events, files and statuses, each done by the person in the
 * window or by Bob on a Node client, and seen on the other side. Screenshots go to
 * test-artifacts/desktop (docs/screenshots with CHAT_UPDATE_SCREENSHOTS=1).
 */

let harness: Harness;
let page: Page;
let bob: NodeUser;
let alice: { userId: string; token: string };
let groupId: string;
const cleanup: (() => Promise<unknown>)[] = [];
/** expect.poll with room for a busy machine. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000 });
/** The window size of the screenshots in docs/. */
const docSize = { width: 1280, height: 800 };

/** The message of Bob's live session with this text. */
const bobSaw = (text: string) => bob.messages.find((m) => m.text === text);

/** Hovers a bubble and clicks one of its actions ("↩ Reply", "☺ React", "✎ Edit", "🗑 Delete"). */
async function act(text: string, action: RegExp): Promise<void> {
  const b = bubble(page, text);
  await b.hover();
  await b.getByRole("toolbar").getByRole("button", { name: action }).click();
}

/** Runs a step; on failure adds what the page and the server said. */
async function step(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    await page.screenshot({ path: join(artifacts, "rich-failure.png") }).catch(() => {});
    throw new Error(`${(err as Error).message}\npage errors: ${harness.pageErrors.join("\n")}\nserver: ${harness.server.output.slice(-2_000)}`, { cause: err });
  }
}

beforeAll(async () => {
  harness = await openHarness();
  page = harness.page;
  const anonymous = createChatClients(createGrpcTransport({ baseUrl: harness.server.url }));
  const registered = await anonymous.auth.register({ username: "alice", password, deviceName: "browser" });
  alice = { userId: registered.user!.id, token: registered.token };
  bob = await nodeUser(harness.server, "bob", cleanup);
  // Logged in already: the token where the browser build keeps it.
  await page.goto(harness.webUrl);
  await page.evaluate(([key, token]) => localStorage.setItem(key!, token!), [`chat.token:${harness.server.url}`, alice.token]);
  await page.reload();
  await until("alice logged in", async () => (await page.getByTestId("me").textContent()) === "@alice");
  // Connected (no banner): what Bob does from now on reaches the window live.
  await until("alice connected", async () => (await page.getByTestId("banner").count()) === 0);
}, 180_000);

afterAll(async () => {
  for (const stop of cleanup.reverse()) await stop().catch(() => {});
  await harness?.close();
});

describe("rich messages and statuses in the desktop renderer", () => {
  it("shows the group's creation, an edit, a reply with its quote, reactions, mentions and deletes, both ways", () => step(async () => {
    const { conversation } = await bob.clients.conversations.createGroup({ name: "launch", memberUsernames: ["alice"] });
    groupId = conversation!.id;
    await poll(() => page.locator(".pane-header h2").textContent()).toBe("launch");
    await poll(() => page.getByTestId("system-line").first().textContent()).toBe("@bob created the group with you");

    // Bob edits his message: Alice sees the new text, marked "edited".
    const draft = await bob.clients.live.sendMessage({ conversationId: groupId, clientMessageId: "b1", text: "Draft agenda for Friday" });
    await bubble(page, "Draft agenda for Friday").waitFor();
    await bob.clients.live.editMessage({ conversationId: groupId, seq: draft.seq, clientMessageId: "b1e", text: "Agenda for Friday: demo, retro, planning" });
    const agenda = bubble(page, "Agenda for Friday: demo, retro, planning");
    await poll(() => agenda.getByTestId("edited").textContent()).toBe("edited");

    // A mention of Alice stands out; Alice answers it with a reply.
    await bob.clients.live.sendMessage({ conversationId: groupId, clientMessageId: "b2", text: "@alice can you bring the slides?" });
    await poll(() => bubble(page, "@alice can you bring the slides?").locator(".at.self").textContent()).toBe("@alice");
    await act("@alice can you bring the slides?", /Reply/);
    await poll(() => page.getByTestId("compose-bar").textContent()).toContain("Replying to @bob: @alice can you bring the slides?");
    await page.getByTestId("composer").fill("Yes, I'll bring them");
    await page.getByTestId("composer").press("Enter");
    await until("bob receives the reply", () => bobSaw("Yes, I'll bring them") !== undefined);
    const question = bobSaw("@alice can you bring the slides?")!;
    expect(bobSaw("Yes, I'll bring them")!.replyToSeq).toBe(question.seq);
    const answer = bubble(page, "Yes, I'll bring them");
    await poll(() => answer.getByTestId("quote").textContent()).toBe("@bob @alice can you bring the slides?");
    // A click on the quote brings the question into view, highlighted.
    await answer.getByTestId("quote").click();
    await poll(() => page.locator(`[data-seq="${question.seq}"]`).getAttribute("class")).toContain("flash");

    // Reactions: Bob's thumbs-up on Alice's answer; Alice's party on the agenda, from the picker.
    await bob.clients.live.setReaction({ conversationId: groupId, seq: bobSaw("Yes, I'll bring them")!.seq, clientMessageId: "b3", emoji: "👍", reacted: true });
    await poll(() => answer.getByTestId("reaction").textContent()).toBe("👍 1");
    expect(await answer.getByTestId("reaction").getAttribute("title")).toBe("@bob");
    await act("Agenda for Friday: demo, retro, planning", /React/);
    await page.getByTestId("picker").getByRole("menuitem", { name: "🎉" }).click();
    await poll(() => agenda.getByTestId("reaction").textContent()).toBe("🎉 1");
    expect(await agenda.getByTestId("reaction").getAttribute("aria-pressed")).toBe("true");
    await until("bob sees alice's reaction", () => bob.messages.some((m) => m.content.case === "update" && m.content.value.emoji === "🎉"));
    // A click on my chip takes my reaction back; another puts it back.
    await agenda.getByTestId("reaction").click();
    await poll(() => agenda.getByTestId("reaction").count()).toBe(0);
    await act("Agenda for Friday: demo, retro, planning", /React/);
    await page.getByTestId("picker").getByRole("menuitem", { name: "🎉" }).click();
    await poll(() => agenda.getByTestId("reaction").textContent()).toBe("🎉 1");

    // Deletes: Bob's message becomes a tombstone; so does Alice's, deleted from its toolbar.
    const oops = await bob.clients.live.sendMessage({ conversationId: groupId, clientMessageId: "b4", text: "oops, wrong chat" });
    await bubble(page, "oops, wrong chat").waitFor();
    await bob.clients.live.deleteMessage({ conversationId: groupId, seq: oops.seq, clientMessageId: "b4d" });
    await poll(() => page.locator(`[data-seq="${oops.seq}"]`).getByTestId("tombstone").textContent()).toBe("This message was deleted");
    expect(await bubble(page, "oops, wrong chat").count()).toBe(0);
    await page.getByTestId("composer").fill("see you all at 3pm in room B");
    await page.getByTestId("composer").press("Enter");
    await until("bob receives it", () => bobSaw("see you all at 3pm in room B") !== undefined);
    await act("see you all at 3pm in room B", /Delete/);
    await bubble(page, "see you all at 3pm in room B").getByRole("button", { name: "Delete for everyone?" }).click();
    await poll(() => bubble(page, "see you all at 3pm in room B").count()).toBe(0);
    const deleted = bobSaw("see you all at 3pm in room B")!.seq;
    await until("bob sees the delete", () => bob.messages.some((m) => m.content.case === "update" && m.content.value.targetSeq === deleted && m.content.value.target?.deletedAt !== undefined));

    // Alice edits her answer from its toolbar.
    await act("Yes, I'll bring them", /Edit/);
    await poll(() => page.getByTestId("composer").inputValue()).toBe("Yes, I'll bring them");
    await page.getByTestId("composer").fill("Yes, I'll bring them (and the demo laptop)");
    await page.getByTestId("composer").press("Enter");
    await poll(() => bubble(page, "Yes, I'll bring them (and the demo laptop)").getByTestId("edited").count()).toBe(1);
    await shoot(page, "desktop-rich-messages", docSize);

    // Elsewhere, a mention counts apart from unread: the "@" badge.
    const { conversation: direct } = await bob.clients.conversations.getOrCreateDirect({ username: "alice" });
    await bob.clients.live.sendMessage({ conversationId: direct!.id, clientMessageId: "d1", text: "got a minute?" });
    await page.getByTestId("conversation").filter({ hasText: "@bob" }).click();
    await bob.clients.live.sendMessage({ conversationId: groupId, clientMessageId: "b5", text: "@alice the room changed to C" });
    const launch = page.getByTestId("conversation").filter({ hasText: "launch" });
    await poll(() => launch.getByTestId("mentions").textContent()).toBe("@");
    await poll(() => launch.getByTestId("unread").textContent()).toBe("1");
  }), 90_000);

  it("uploads files with progress and sends them, draws images inline from their thumbnail, and downloads the others", () => step(async () => {
    // The group of the first step (made here when this step runs alone).
    groupId ??= (await bob.clients.conversations.createGroup({ name: "launch", memberUsernames: ["alice"] })).conversation!.id;
    await page.getByTestId("conversation").filter({ hasText: "launch" }).click();
    const notes = join(artifacts, "meeting-notes.txt");
    await writeFile(notes, "Friday: demo, retro, planning.\n".repeat(200));
    await page.getByTestId("composer").fill("the mock-up and the notes");
    await page.getByTestId("attach").setInputFiles([join(repoRoot, "docs", "screenshots", "desktop.png"), notes]);
    await until("bob receives the files", () => bobSaw("the mock-up and the notes") !== undefined, 30_000);
    const sent = bobSaw("the mock-up and the notes")!;
    expect(sent.content.case === "attachmentContent" && sent.content.value.attachments.map((a) => a.fileName)).toEqual(["desktop.png", "meeting-notes.txt"]);
    const files = bubble(page, "the mock-up and the notes");
    const image = files.getByTestId("image");
    await poll(() => image.getAttribute("data-loaded")).toBe("true");
    // The box was reserved from the image's dimensions: at most 320 × 240.
    expect(Number(await image.getAttribute("width"))).toBeLessThanOrEqual(320);
    expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth > 1)).toBe(true);
    expect(await files.getByTestId("file").textContent()).toContain("meeting-notes.txt");
    await poll(() => page.getByTestId("upload").count()).toBe(0);

    // Bob sends a file from Node: Alice downloads it with her token.
    const attachment = await uploadFile(bob.clients.files, await openAsBlob(notes), "notes-from-bob.txt");
    await bob.clients.live.sendMessage({ conversationId: groupId, clientMessageId: "b6", text: "", attachmentIds: [attachment.id] });
    const link = page.getByTestId("file").filter({ hasText: "notes-from-bob.txt" });
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("notes-from-bob.txt");
    await shoot(page, "desktop-rich-files", docSize);
  }), 90_000);

  it("shows statuses next to presence, and sets mine from the status editor", () => step(async () => {
    const { conversation: direct } = await bob.clients.conversations.getOrCreateDirect({ username: "alice" });
    await bob.clients.live.sendMessage({ conversationId: direct!.id, clientMessageId: "d1", text: "got a minute?" });
    await bob.clients.users.setStatus({ availability: Availability.BUSY, setText: true, statusText: "in a meeting", statusExpiresAt: timestampFromMs(Date.now() + 3_600_000) });
    const bobRow = page.getByTestId("conversation").filter({ hasText: "@bob" });
    await poll(() => bobRow.getByTestId("row-status").textContent()).toBe("in a meeting · ");
    await bobRow.click();
    await poll(() => page.getByTestId("presence").textContent()).toBe("busy · in a meeting");

    await page.getByTestId("my-status").click();
    await page.getByRole("radio", { name: "Away" }).check();
    await page.getByLabel("Status text").fill("back at 2");
    await page.getByLabel("Clear after").selectOption("1h");
    await page.getByRole("button", { name: "Save" }).click();
    await poll(() => page.getByTestId("my-status").textContent()).toBe("away · back at 2");
    await until("bob sees alice away", () => bob.presences.some((p) => p.userId === alice.userId && p.availability === Availability.AWAY && p.statusText === "back at 2"));
    await shoot(page, "desktop-rich-statuses", docSize);
  }), 60_000);

  it("goes away after the idle minutes, and back online on activity", () => step(async () => {
    await page.getByTestId("my-status").click();
    await page.getByRole("radio", { name: "Online" }).check();
    await page.getByLabel("Status text").fill("");
    await page.getByRole("button", { name: "Save" }).click();
    await poll(() => page.getByTestId("my-status").textContent()).toBe("online");
    // Three seconds of idleness is "away" on this device from now on.
    await page.evaluate(() => localStorage.setItem("chat.awayAfterMinutes", "0.05"));
    await page.reload();
    await poll(() => page.getByTestId("me").textContent()).toBe("@alice");
    const from = bob.presences.length;
    await until("alice goes away", () => bob.presences.slice(from).some((p) => p.userId === alice.userId && p.availability === Availability.AWAY), 20_000);
    await page.mouse.move(200, 200);
    await page.mouse.move(300, 300);
    await until("alice is back", () => bob.presences.at(-1)?.userId === alice.userId && bob.presences.at(-1)?.availability === Availability.ONLINE, 10_000);
    await page.evaluate(() => localStorage.removeItem("chat.awayAfterMinutes"));
  }), 60_000);
});
