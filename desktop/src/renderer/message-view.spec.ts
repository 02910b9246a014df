import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ConversationKind, ConversationSchema, Role } from "@chat/gen/chat/v1/conversation_pb.js";
import { type Message, MessageSchema, SystemEventKind, UpdateKind } from "@chat/gen/chat/v1/message_pb.js";
import { Availability, PresenceSchema } from "@chat/gen/chat/v1/user_pb.js";
import { statusOf } from "@chat/client";
import { describe, expect, it } from "vitest";
import { imageBox } from "./message-view.ts";
import { composeBar, myStatus, statusExpiry } from "./status-view.ts";
import { timeline } from "./timeline.ts";
import { type DesktopAction, type DesktopState, header, initialDesktopState, readUpTo, reduceDesktop, sidebar } from "./view-model.ts";

const ME = "a0000000-0000-4000-8000-000000000001";
const BOB = "b0000000-0000-4000-8000-000000000002";
const TEAM = "e0000000-0000-4000-8000-00000000000e";
const DM = "d0000000-0000-4000-8000-00000000000d";
const t0 = Date.UTC(2026, 10, 30, 12, 0);

/** A message (nested fields as plain objects), `seq` seconds after t0. */
const msg = (conversationId: string, seq: number, senderId: string, init: Record<string, unknown> = {}): Message => create(MessageSchema, {
  conversationId, seq: BigInt(seq), senderId, clientMessageId: `c${seq}`, sentAt: timestampFromMs(t0 + seq * 1000), ...init,
} as MessageInitShape<typeof MessageSchema>);
const text = (seq: number, senderId: string, body: string, init: Record<string, unknown> = {}) =>
  msg(TEAM, seq, senderId, { text: body, content: { case: "textContent", value: { text: body } }, ...init });
const entry = (seq: number, senderId: string, kind: UpdateKind, target: Message) =>
  msg(TEAM, seq, senderId, { content: { case: "update", value: { kind, targetSeq: target.seq, target } } });

/** A group "team" where Bob is the owner and I am a member, open, plus a direct conversation with Bob. */
function given(role: Role, ...actions: DesktopAction[]): DesktopState {
  const conversations = [
    create(ConversationSchema, { id: DM, kind: ConversationKind.DIRECT, members: [{ userId: ME }, { userId: BOB }], createdAt: timestampFromMs(t0 - 5000) }),
    create(ConversationSchema, {
      id: TEAM, kind: ConversationKind.GROUP, name: "team", createdAt: timestampFromMs(t0),
      members: [{ userId: ME, role }, { userId: BOB, role: Role.OWNER }],
    }),
  ];
  return [
    { type: "names", names: { [ME]: "me", [BOB]: "bob" } },
    { type: "connection", state: "online" },
    { type: "conversations", conversations, now: t0 },
    { type: "open", conversationId: TEAM },
    ...actions,
  ].reduce<DesktopState>((s, a) => reduceDesktop(s, a as DesktopAction), initialDesktopState(ME, true));
}

describe("rich messages in the desktop timeline", () => {
  it("draws edits, tombstones, replies, reactions, files and system events, and offers the allowed actions", () => {
    const photo = msg(TEAM, 4, BOB, {
      content: { case: "attachmentContent", value: { attachments: [
        { id: "f1", fileName: "view.jpg", contentType: "image/jpeg", size: 2_400_000n, width: 1280, height: 960, hasThumbnail: true },
        { id: "f2", fileName: "plan.pdf", contentType: "application/pdf", size: 12_345n },
      ] } },
    });
    const mine = text(5, ME, "see you at 3", { editedAt: timestampFromMs(t0 + 9000), reactions: [{ emoji: "👍", count: 2, userIds: [BOB, ME] }] });
    const reply = text(6, BOB, "ok", { replyToSeq: 5n, replyPreview: { senderId: ME, text: "see you at 3" } });
    const added = msg(TEAM, 3, BOB, { content: { case: "systemEvent", value: { kind: SystemEventKind.MEMBERS_ADDED, actorId: BOB, userIds: [ME] } } });
    let s = given(Role.MEMBER, { type: "messages", now: t0, messages: [added, photo, mine, reply] });
    expect(timeline(s, t0)!.items[1]!.body.files).toEqual([
      { id: "f1", fileName: "view.jpg", size: "2.3 MB", contentType: "image/jpeg", image: { width: 320, height: 240 } },
      { id: "f2", fileName: "plan.pdf", size: "12 KB", contentType: "application/pdf", image: undefined },
    ]);
    s = reduceDesktop(s, { type: "messages", now: t0, messages: [entry(7, BOB, UpdateKind.DELETED, msg(TEAM, 4, BOB, { deletedAt: timestampFromMs(t0) }))] });
    const items = timeline(s, t0)!.items;
    expect(items.map((i) => i.seq)).toEqual([3n, 4n, 5n, 6n]); // the update entry is not drawn
    expect(items[0]).toMatchObject({ system: "@bob added you", actions: { reply: false, react: false, edit: false, delete: false } });
    expect(items[1]!.body).toMatchObject({ deleted: true, files: [], reactions: [] });
    expect(items[1]!.actions).toEqual({ reply: false, react: false, edit: false, delete: false });
    expect(items[2]!.body).toMatchObject({ edited: true, deleted: false, reactions: [{ emoji: "👍", count: 2, mine: true, who: "@bob, you" }] });
    expect(items[2]!.actions).toEqual({ reply: true, react: true, edit: true, delete: true });
    expect(items[3]!.body).toMatchObject({ deleted: false, reply: { seq: 5n, sender: "you", text: "see you at 3", loaded: true } });
    expect(items[3]!.actions).toEqual({ reply: true, react: true, edit: false, delete: false }); // Bob's, and I am no admin
    // Update entries after the newest message are read with it.
    s = reduceDesktop(s, { type: "seen", seq: 6n });
    expect(readUpTo(s)).toEqual({ conversationId: TEAM, seq: 7n });
    // A group admin may delete anyone's message.
    const admin = given(Role.ADMIN, { type: "messages", now: t0, messages: [reply] });
    expect(timeline(admin, t0)!.items[0]!.actions.delete).toBe(true);
  });

  it("quotes the message being answered or edited above the send box, and sends a reply while it is pending", () => {
    let s = given(Role.MEMBER, { type: "messages", now: t0, messages: [text(4, BOB, "lunch?"), text(5, ME, "sure")] });
    s = reduceDesktop(s, { type: "compose", conversationId: TEAM, mode: { kind: "reply", conversationId: TEAM, seq: 4n } });
    expect(composeBar(s)).toEqual({ kind: "reply", text: "Replying to @bob: lunch?" });
    s = reduceDesktop(s, { type: "compose", conversationId: TEAM, mode: { kind: "edit", conversationId: TEAM, seq: 5n }, draft: "sure!" });
    expect([composeBar(s), s.drafts[TEAM]]).toEqual([{ kind: "edit", text: "Editing your message" }, "sure!"]);
    s = reduceDesktop(s, { type: "compose", conversationId: TEAM, mode: undefined, draft: "" });
    expect([composeBar(s), s.drafts[TEAM]]).toEqual([undefined, ""]);
    // Sending a plain message (nothing under way) empties the box too.
    const typed = reduceDesktop(s, { type: "draft", conversationId: TEAM, text: "plain" });
    expect(reduceDesktop(typed, { type: "compose", conversationId: TEAM, mode: undefined, draft: "" }).drafts[TEAM]).toBe("");
    s = reduceDesktop(s, { type: "sending", conversationId: TEAM, clientMessageId: "p1", text: "yes", replyToSeq: 4n });
    expect(timeline(s, t0)!.items.at(-1)!.body.reply).toMatchObject({ seq: 4n, sender: "@bob", text: "lunch?", loaded: true });
    // Opening another conversation drops the reply under way.
    s = reduceDesktop(s, { type: "compose", conversationId: TEAM, mode: { kind: "reply", conversationId: TEAM, seq: 4n } });
    expect(reduceDesktop(s, { type: "open", conversationId: DM }).compose).toBeUndefined();
  });

  it("shows mention counts, statuses next to presence, and my own status", () => {
    const mention = text(4, BOB, "@me look", { content: { case: "textContent", value: { text: "@me look", mentions: [{ userId: ME }] } } });
    let s = given(Role.MEMBER, { type: "open", conversationId: DM }, { type: "messages", now: t0, messages: [mention] });
    const busy = statusOf(create(PresenceSchema, { availability: Availability.BUSY, statusText: "in a meeting", statusExpiresAt: timestampFromMs(t0 + 60_000) }));
    s = reduceDesktop(s, { type: "presence", userId: BOB, online: true, status: busy });
    expect(sidebar(s, t0).map((r) => [r.title, r.unread, r.mentions, r.presence, r.statusText])).toEqual([
      ["team", 1, 1, undefined, ""], ["@bob", 0, 0, "busy", "in a meeting"],
    ]);
    expect(header(s, t0)!.detail).toBe("busy · in a meeting");
    expect(header(s, t0 + 60_000)!.detail).toBe("busy");
    expect(myStatus(s, t0)).toEqual({ dot: "online", label: "online" });
    s = reduceDesktop(s, { type: "presence", userId: ME, online: true, status: statusOf(create(PresenceSchema, { availability: Availability.INVISIBLE })) });
    expect(myStatus(s, t0)).toEqual({ dot: "offline", label: "invisible: others see you offline" });
    expect(timeline(reduceDesktop(s, { type: "open", conversationId: TEAM }), t0)!.items[0]!.mentionsMe).toBe(true);
  });

  it("sizes images, and says when a status text clears", () => {
    expect(imageBox(100, 50)).toEqual({ width: 100, height: 50 }); // never scaled up
    expect(imageBox(400, 2000)).toEqual({ width: 48, height: 240 });
    expect(statusExpiry("1h", t0)).toBe(t0 + 3_600_000);
    expect(statusExpiry("never", t0)).toBeUndefined();
    expect(new Date(statusExpiry("today", t0)!).getHours()).toBe(23);
  });
});
