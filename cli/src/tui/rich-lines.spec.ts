import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ConversationKind, ConversationSchema } from "@chat/gen/chat/v1/conversation_pb.js";
import { type Message, MessageSchema, SystemEventKind, UpdateKind } from "@chat/gen/chat/v1/message_pb.js";
import { describe, expect, it } from "vitest";
import { screen, type ScreenSize } from "./screen.ts";
import { type Action, initialState, reduce, type ViewState } from "./view-model.ts";

const ALICE = "a0000000-0000-4000-8000-000000000001";
const BOB = "b0000000-0000-4000-8000-000000000002";
const CAROL = "c0000000-0000-4000-8000-000000000003";
const DIRECT = "d0000000-0000-4000-8000-00000000000d";
const GROUP = "e0000000-0000-4000-8000-00000000000e";
const size: ScreenSize = { width: 100, height: 20 };
const at = Date.UTC(2025, 0, 2, 9, 30);

type MessageInit = Parameters<typeof create<typeof MessageSchema>>[1];

function message(seq: number, senderId: string, body: string, init: MessageInit = {}): Message {
  return create(MessageSchema, {
    conversationId: GROUP, seq: BigInt(seq), senderId, clientMessageId: `cm-${seq}`, sentAt: timestampFromMs(at + seq * 60_000 * 10),
    text: body, content: { case: "textContent", value: { text: body } }, ...init,
  });
}

const update = (seq: number, senderId: string, kind: UpdateKind, target: Message) =>
  message(seq, senderId, "", { content: { case: "update", value: { kind, targetSeq: target.seq, target } } });

/** Alice's view of a group with Bob and Carol, open. */
function state(...actions: Action[]): ViewState {
  let s = reduce(initialState(ALICE), { type: "names", names: { [ALICE]: "alice", [BOB]: "bob", [CAROL]: "carol" } });
  s = reduce(s, { type: "connection", state: "online" });
  s = reduce(s, { type: "conversations", now: at, conversations: [
    create(ConversationSchema, { id: GROUP, kind: ConversationKind.GROUP, name: "team", members: [ALICE, BOB, CAROL].map((userId) => ({ userId })), createdAt: timestampFromMs(at) }),
    create(ConversationSchema, { id: DIRECT, kind: ConversationKind.DIRECT, members: [ALICE, BOB].map((userId) => ({ userId })), createdAt: timestampFromMs(at - 1000), unreadCount: 3n, unreadMentionCount: 2n }),
  ] });
  return actions.reduce(reduce, reduce(s, { type: "open", conversationId: GROUP }));
}

const live = (...messages: Message[]): Action => ({ type: "messages", now: at, messages });
/** The message area without day separators and blank rows, times taken out. */
const body = (s: ViewState) => screen(s, size, at).body.filter((l) => l.tone !== "day" && l.text).map((l) => l.text.replace(/^\d\d:\d\d /, ""));

describe("rich messages in the interactive client", () => {
  it("shows edits, tombstones, replies with their quote, files and reactions, and never an update entry", () => {
    const first = message(1, BOB, "lunch at noon?");
    const edited = message(1, BOB, "lunch at 12:30?", { editedAt: timestampFromMs(at + 1) });
    const reply = message(2, ALICE, "sure", { replyToSeq: 1n, replyPreview: { senderId: BOB, text: "lunch at 12:30?" } });
    const file = message(4, CAROL, "", { content: { case: "attachmentContent", value: {
      attachments: [{ id: "f1", fileName: "menu.png", contentType: "image/png", size: 48_000n, width: 640, height: 480 }],
    } } });
    const reacted = message(4, CAROL, "", { content: file.content, reactions: [{ emoji: "👍", count: 2, userIds: [BOB, ALICE] }] });
    const gone = message(5, BOB, "", { content: { case: undefined }, deletedAt: timestampFromMs(at) });
    const s = state(live(first, reply, update(3, BOB, UpdateKind.EDITED, edited), file, update(6, ALICE, UpdateKind.REACTION, reacted), message(5, BOB, "oops")),
      live(update(7, BOB, UpdateKind.DELETED, gone)));
    expect(body(s)).toEqual([
      "@bob: lunch at 12:30? (edited)",
      "      ↪ @bob: lunch at 12:30?",
      "@alice: sure ✓",
      "@carol: 📎 menu.png · 47 KB · image/png · 640×480",
      "      👍 2*",
      "@bob: message deleted",
    ]);
  });

  it("draws system events as a centred line, counted nowhere", () => {
    const added = message(2, ALICE, "", { content: { case: "systemEvent", value: { kind: SystemEventKind.MEMBERS_ADDED, actorId: ALICE, userIds: [CAROL] } } });
    const s = state(live(message(1, BOB, "hi"), added));
    const line = screen(s, size, at).body.find((l) => l.text.includes("added"))!;
    expect(line.text.trim()).toBe("· you added @carol ·");
    expect(line.text.length - line.text.trimStart().length).toBeGreaterThan(20);
    expect(line.tone).toBe("info");
  });

  it("picks messages with Alt-↑/↓ for the message commands, skipping tombstones", () => {
    const gone = message(3, BOB, "", { content: { case: undefined }, deletedAt: timestampFromMs(at) });
    let s = state(live(message(1, BOB, "one"), message(2, ALICE, "two"), gone));
    s = reduce(s, { type: "select", step: -1 });
    expect(s.selected).toBe(2n);
    expect(screen(s, size, at).body.filter((l) => l.selected).map((l) => l.text)).toEqual([expect.stringContaining("two")]);
    expect(screen(s, size, at).footer).toBe("#2: /reply text · /react 👍 · /edit · /delete · Esc");
    s = reduce(reduce(s, { type: "select", step: -1 }), { type: "select", step: -1 });
    expect(s.selected).toBe(1n);
    expect(screen(s, size, at).footer).toBe("#1: /reply text · /react 👍 · Esc");
    s = reduce(reduce(s, { type: "select", step: 1 }), { type: "select", step: 1 });
    expect(s.selected).toBeUndefined();
    s = reduce(s, { type: "select", step: -1 });
    // Opening the open conversation again (`/new @bob` from inside it) keeps the pick; another one drops it.
    expect(reduce(s, { type: "open", conversationId: GROUP }).selected).toBe(2n);
    s = reduce(s, { type: "open", conversationId: DIRECT });
    expect(s.selected).toBeUndefined();
  });

  it("shows mention counts beside unread, and statuses beside presence", () => {
    let s = state(
      { type: "presence", userId: BOB, online: true, status: { availability: "busy", text: "in a meeting" } },
      { type: "presence", userId: ALICE, online: true, status: { availability: "away", text: "" } },
    );
    const shown = screen(s, size, at);
    expect(shown.sidebar.find((r) => r.id === DIRECT)!.text).toMatch(/^ {2}⊖ @bob \(3 @2\)/);
    expect(shown.title).toBe("chat · @alice · away");
    s = reduce(s, { type: "open", conversationId: DIRECT });
    expect(screen(s, size, at).header).toBe("@bob · ⊖ online · busy · in a meeting");
  });
});
