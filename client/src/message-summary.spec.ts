import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ConversationKind, ConversationSchema, Role } from "@chat/gen/chat/v1/conversation_pb.js";
import { type Message, MessageSchema, UpdateKind } from "@chat/gen/chat/v1/message_pb.js";
import { describe, expect, it } from "vitest";
import { unreadEnd } from "./chat-selectors.ts";
import { type ChatAction, initialChatState, reduceChat } from "./chat-state.ts";
import { messageSummary, replyLine, shownMessage } from "./shown-message.ts";

const ME = "a0000000-0000-4000-8000-000000000001";
const BOB = "b0000000-0000-4000-8000-000000000002";
const G = "e0000000-0000-4000-8000-00000000000e";
const t0 = Date.UTC(2026, 10, 30, 12, 0);

/** A message of the group (nested fields as plain objects). */
const msg = (seq: number, init: Record<string, unknown>): Message => create(MessageSchema, {
  conversationId: G, seq: BigInt(seq), senderId: BOB, clientMessageId: `c${seq}`, sentAt: timestampFromMs(t0 + seq * 1000), ...init,
} as MessageInitShape<typeof MessageSchema>);
const text = (seq: number, body: string) => msg(seq, { text: body, content: { case: "textContent", value: { text: body } } });

describe("what both clients add on top of the rich message model", () => {
  it("reads the update entries after the newest message with it, and knows a group's admins", () => {
    const group = create(ConversationSchema, {
      id: G, kind: ConversationKind.GROUP, name: "team", members: [{ userId: ME, role: Role.MEMBER }, { userId: BOB, role: Role.OWNER }],
    });
    const hi = text(1, "hi");
    const edit = msg(2, { content: { case: "update", value: { kind: UpdateKind.EDITED, targetSeq: 1n, target: text(1, "hi all") } } });
    const actions: ChatAction[] = [
      { type: "conversations", conversations: [group], now: t0 }, { type: "messages", messages: [hi, edit], now: t0 }, { type: "open", conversationId: G },
    ];
    let s = actions.reduce(reduceChat, initialChatState(ME));
    const c = s.conversations[G]!;
    expect([c.admins, c.appliedSeq, c.messages.map((m) => m.text)]).toEqual([[BOB], 2n, ["hi all"]]);
    // Without it the entry (never shown) would stay unread for ever.
    expect(unreadEnd(s)).toEqual({ conversationId: G, seq: 2n });
    s = reduceChat(s, { type: "marks", conversationId: G, userId: ME, delivered: 2n, read: 2n });
    expect([s.conversations[G]!.unread, unreadEnd(s)]).toEqual([0, undefined]);
  });

  it("says a message in one line, and quotes a reply's parent", () => {
    const files = msg(3, { content: { case: "attachmentContent", value: {
      caption: { text: "the plan" }, attachments: [{ id: "f1", fileName: "plan.pdf", size: 10n }, { id: "f2", fileName: "b.pdf", size: 1n }],
    } } });
    expect(messageSummary(shownMessage(files))).toBe("📎 plan.pdf and 1 more file: the plan");
    expect(messageSummary(shownMessage(msg(4, { deletedAt: timestampFromMs(t0) })))).toBe("message deleted");
    expect(replyLine({ seq: 3n, senderId: BOB, text: "the plan", attachmentCount: 2, deleted: false })).toBe("📎 2 files the plan");
    expect(replyLine({ seq: 3n, senderId: BOB, text: "", attachmentCount: 0, deleted: true })).toBe("message deleted");
  });
});
