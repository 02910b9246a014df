import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ConversationKind, ConversationSchema } from "@chat/gen/chat/v1/conversation_pb.js";
import { MembershipChange, MembershipEventSchema } from "@chat/gen/chat/v1/live_pb.js";
import { type Message, MessageSchema, SystemEventKind, UpdateKind } from "@chat/gen/chat/v1/message_pb.js";
import { Availability, PresenceSchema } from "@chat/gen/chat/v1/user_pb.js";
import { describe, expect, it } from "vitest";
import { type ChatAction, type ChatState, initialChatState, reduceChat } from "./chat-state.ts";
import { formatSize } from "./shown-message.ts";
import { systemEventText, systemLineOf } from "./system-lines.ts";
import { statusLabel, statusOf } from "./user-status.ts";

const ALICE = "a0000000-0000-4000-8000-000000000001";
const BOB = "b0000000-0000-4000-8000-000000000002";
const CAROL = "c0000000-0000-4000-8000-000000000003";
const GROUP = "e0000000-0000-4000-8000-00000000000e";
const at = Date.UTC(2025, 0, 2, 9, 30);

type MessageInit = Parameters<typeof create<typeof MessageSchema>>[1];

function message(seq: number, senderId: string, init: MessageInit = {}): Message {
  return create(MessageSchema, {
    conversationId: GROUP, seq: BigInt(seq), senderId, clientMessageId: `cm-${seq}`, sentAt: timestampFromMs(at + seq * 1000),
    text: `message ${seq}`, content: { case: "textContent", value: { text: `message ${seq}` } }, ...init,
  });
}

function text(seq: number, senderId: string, body: string, mentions: { userId?: string; all?: boolean }[] = []): Message {
  return message(seq, senderId, { text: body, content: { case: "textContent", value: { text: body, mentions } } });
}

/** An update entry of `senderId` at `seq` whose target is now `target`. */
function updateEntry(seq: number, senderId: string, kind: UpdateKind, target: Message): Message {
  return message(seq, senderId, { text: "", content: { case: "update", value: { kind, targetSeq: target.seq, target } } });
}

/** Alice in a group with Bob and Carol, nothing read yet. */
function state(...actions: ChatAction[]): ChatState {
  let s = reduceChat(initialChatState(ALICE), { type: "names", names: { [ALICE]: "alice", [BOB]: "bob", [CAROL]: "carol" } });
  s = reduceChat(s, { type: "conversations", now: at, conversations: [create(ConversationSchema, {
    id: GROUP, kind: ConversationKind.GROUP, name: "team", members: [ALICE, BOB, CAROL].map((userId) => ({ userId })), createdAt: timestampFromMs(at),
  })] });
  return actions.reduce(reduceChat, s);
}

const messages = (s: ChatState) => s.conversations[GROUP]!.messages;
const live = (...list: Message[]): ChatAction => ({ type: "messages", now: at, messages: list });

describe("rich messages in the shared chat state", () => {
  it("applies edits, reactions and deletes by replacing the target, shows nothing for the entry, and counts none as unread", () => {
    const original = text(1, BOB, "helo");
    const edited = message(1, BOB, { text: "hello", content: { case: "textContent", value: { text: "hello" } }, editedAt: timestampFromMs(at + 5000) });
    const reacted = message(1, BOB, { text: "hello", content: { case: "textContent", value: { text: "hello" } }, editedAt: timestampFromMs(at + 5000), reactions: [{ emoji: "👍", count: 2, userIds: [CAROL, ALICE] }] });
    const tombstone = message(1, BOB, { text: "", content: { case: undefined }, deletedAt: timestampFromMs(at + 9000) });
    let s = state(live(original, updateEntry(2, BOB, UpdateKind.EDITED, edited)));
    expect(messages(s)).toHaveLength(1);
    expect(messages(s)[0]).toMatchObject({ seq: 1n, text: "hello", deleted: false, editedAt: new Date(at + 5000) });
    expect(s.conversations[GROUP]).toMatchObject({ unread: 1, lastSeq: 2n });
    s = reduceChat(s, live(updateEntry(3, CAROL, UpdateKind.REACTION, reacted)));
    expect(messages(s)[0]!.reactions).toEqual([{ emoji: "👍", count: 2, userIds: [CAROL, ALICE] }]);
    // Applying the same entry again changes nothing (a replay after a reconnect).
    expect(messages(reduceChat(s, live(updateEntry(3, CAROL, UpdateKind.REACTION, reacted))))).toEqual(messages(s));
    s = reduceChat(s, live(updateEntry(4, BOB, UpdateKind.DELETED, tombstone)));
    expect(messages(s)[0]).toMatchObject({ seq: 1n, text: "", deleted: true, reactions: [], attachments: [] });
    expect(s.conversations[GROUP]).toMatchObject({ unread: 1, lastSeq: 4n, countedThrough: 4n });
  });

  it("makes the quotes of loaded replies follow their parent's edit and delete", () => {
    const parent = text(1, BOB, "lunch?");
    const reply = message(2, ALICE, { replyToSeq: 1n, replyPreview: { senderId: BOB, text: "lunch?" } });
    const edited = text(1, BOB, "lunch at noon?");
    let s = state(live(parent, reply, updateEntry(3, BOB, UpdateKind.EDITED, edited)));
    expect(messages(s)[1]!.replyTo).toEqual({ seq: 1n, senderId: BOB, text: "lunch at noon?", attachmentCount: 0, deleted: false });
    s = reduceChat(s, { type: "replaced", message: message(1, BOB, { text: "", content: { case: undefined }, deletedAt: timestampFromMs(at) }) });
    expect(messages(s)[1]!.replyTo).toEqual({ seq: 1n, senderId: BOB, text: "", attachmentCount: 0, deleted: true });
  });

  it("leaves an update of a message that is not loaded to history, and takes history pages in their current state", () => {
    const target = message(1, BOB, { text: "new", content: { case: "textContent", value: { text: "new" } }, editedAt: timestampFromMs(at) });
    let s = state(live(text(5, BOB, "later")), live(updateEntry(6, BOB, UpdateKind.EDITED, target)));
    expect(messages(s).map((m) => m.seq)).toEqual([5n]);
    s = reduceChat(s, { type: "older", conversationId: GROUP, messages: [updateEntry(2, BOB, UpdateKind.EDITED, target), target] });
    expect(messages(s).map((m) => [m.seq, m.text])).toEqual([[1n, "new"], [5n, "later"]]);
  });

  it("reads replies, attachments and system events; system events are not unread and replace the membership line", () => {
    const reply = message(2, BOB, { replyToSeq: 1n, replyPreview: { senderId: ALICE, text: "lunch?", attachmentCount: 0 } });
    const file = message(3, CAROL, { text: "the plan", content: { case: "attachmentContent", value: {
      caption: { text: "the plan" }, attachments: [{ id: "f1", fileName: "plan.pdf", contentType: "application/pdf", size: 2_400_000n }],
    } } });
    const added = message(4, ALICE, { text: "", content: { case: "systemEvent", value: { kind: SystemEventKind.MEMBERS_ADDED, actorId: ALICE, userIds: [CAROL] } } });
    const event = create(MembershipEventSchema, { change: MembershipChange.ADDED, actorId: ALICE, userIds: [CAROL], conversation: { id: GROUP, kind: ConversationKind.GROUP } });
    let s = state({ type: "system", conversationId: GROUP, line: systemLineOf(event, 3n, at)! }, live(reply, file, added));
    const [r, f, sys] = messages(s);
    expect(r!.replyTo).toEqual({ seq: 1n, senderId: ALICE, text: "lunch?", attachmentCount: 0, deleted: false });
    expect(f!.attachments).toEqual([{ id: "f1", fileName: "plan.pdf", contentType: "application/pdf", size: 2_400_000, width: 0, height: 0, hasThumbnail: false, sha256: "" }]);
    expect(f!.text).toBe("the plan");
    expect(systemEventText(s, sys!.system!)).toBe("you added @carol");
    expect(s.conversations[GROUP]!.systemLines).toEqual([]);
    expect(s.conversations[GROUP]!.unread).toBe(2);
    s = reduceChat(s, live(message(5, ALICE, { text: "", content: { case: "systemEvent", value: { kind: SystemEventKind.GROUP_CREATED, actorId: BOB, userIds: [ALICE, CAROL], groupName: "team" } } })));
    expect(systemEventText(s, messages(s).at(-1)!.system!)).toBe("@bob created the group with you and @carol");
  });

  it("counts mentions of me apart from unread, from the server's mentions, and clears them as I read", () => {
    let s = state(live(text(1, BOB, "hi @alice", [{ userId: ALICE }]), text(2, CAROL, "@bob look", [{ userId: BOB }]), text(3, BOB, "@all standup", [{ all: true }])));
    expect(s.conversations[GROUP]).toMatchObject({ unread: 3, unreadMentions: 2 });
    s = reduceChat(s, { type: "marks", conversationId: GROUP, userId: ALICE, delivered: 2n, read: 2n });
    expect(s.conversations[GROUP]).toMatchObject({ unread: 1, unreadMentions: 1 });
    s = reduceChat(s, { type: "marks", conversationId: GROUP, userId: ALICE, delivered: 3n, read: 3n });
    expect(s.conversations[GROUP]).toMatchObject({ unread: 0, unreadMentions: 0 });
    // From a server that carries content without finding mentions, "@alice" in the text still counts.
    s = reduceChat(s, live(text(4, CAROL, "@alice see above")));
    expect(s.conversations[GROUP]).toMatchObject({ unread: 1, unreadMentions: 1 });
    // The conversation list's count is the truth when it comes.
    s = reduceChat(s, { type: "conversation", now: at, conversation: create(ConversationSchema, { id: GROUP, kind: ConversationKind.GROUP, lastSeq: 9n, unreadCount: 4n, unreadMentionCount: 2n }) });
    expect(s.conversations[GROUP]).toMatchObject({ unread: 4, unreadMentions: 2 });
  });

  it("keeps statuses from presence, with the custom text until it expires", () => {
    const presence = create(PresenceSchema, { userId: BOB, online: true, availability: Availability.BUSY, statusText: "in a meeting", statusExpiresAt: timestampFromMs(at + 60_000) });
    const s = state({ type: "presence", userId: BOB, online: true, status: statusOf(presence) });
    expect(s.statuses[BOB]).toEqual({ availability: "busy", text: "in a meeting", textExpiresAt: at + 60_000 });
    expect(statusLabel(s.statuses[BOB], true, at)).toBe("busy · in a meeting");
    expect(statusLabel(s.statuses[BOB], true, at + 60_000)).toBe("busy");
    expect(statusLabel(s.statuses[BOB], false, at)).toBe("in a meeting");
    expect(statusLabel(statusOf(create(PresenceSchema, { userId: BOB, online: true })), true, at)).toBe("");
  });

  it("writes sizes for people", () => {
    expect([0, 1023, 1024, 1536, 2_400_000, 5 * 1024 ** 3].map(formatSize)).toEqual(["0 B", "1023 B", "1.0 KB", "1.5 KB", "2.3 MB", "5.0 GB"]);
  });
});
