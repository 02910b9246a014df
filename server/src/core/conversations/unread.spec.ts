import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { MentionSchema, TextContentSchema } from "@chat/gen/chat/v1/message_pb.js";
import { afterAll, describe, expect, it } from "vitest";
import type { ConversationRecord, NewMessage } from "../../engines/store/interface.ts";
import { createSqliteStore } from "../../engines/store/sqlite/sqlite-store.ts";
import { encodeContent } from "../messages/content.ts";
import { unreadIndexOf } from "../mentions/mentions.ts";
import { countUnread, maxCountedMentions } from "./unread.ts";

describe("countUnread", () => {
  const store = createSqliteStore({ path: ":memory:" });
  afterAll(() => store.close());

  const conversation: ConversationRecord = { id: randomUUID(), kind: "group", name: "g", createdAt: new Date(), lastSeq: 0 };
  /** A text from `senderId` mentioning `mentioned` (user ids, or "all"), stored as a send stores it. */
  const text = (senderId: string, mentioned: string[] = []): NewMessage => {
    const content = { case: "textContent" as const, value: create(TextContentSchema, {
      text: "hi", mentions: mentioned.map((m) => create(MentionSchema, m === "all" ? { all: true } : { userId: m })),
    }) };
    return { conversationId: conversation.id, senderId, clientMessageId: randomUUID(), text: "hi", sentAt: new Date(), content: encodeContent(content), ...unreadIndexOf(content) };
  };
  const countsOf = async (userId: string, readSeq: number) => {
    const record = (await store.getConversation(conversation.id))!;
    return (await countUnread(store, record, [{ userId, readSeq }])).unread.get(userId);
  };

  it("stops counting a mention once its message is deleted or edited without it", async () => {
    await store.createGroup(conversation, ["a", "b"].map((userId) => ({ conversationId: conversation.id, userId, role: "member", joinedAt: new Date() })));
    const first = await store.appendMessage(text("a", ["b"]));
    const second = await store.appendMessage(text("a", ["all"]));
    await store.appendMessage(text("a", ["b"]));
    expect(await countsOf("b", 0)).toEqual({ messages: 3, mentions: 3 });
    const deleted = await store.appendUpdate({ ...text("a"), change: { kind: "delete", targetSeq: first.message.seq, at: new Date() } });
    expect(deleted.refused).toBeUndefined();
    const edited = create(TextContentSchema, { text: "no mention now" });
    await store.appendUpdate({ ...text("a"), change: { kind: "edit", targetSeq: second.message.seq, text: "no mention now", content: encodeContent({ case: "textContent", value: edited }), at: new Date() } });
    // A deleted message still counts as unread (its seq stays, as a tombstone); its mention does not.
    expect(await countsOf("b", 0)).toEqual({ messages: 3, mentions: 1 });
    expect(await countsOf("b", 3)).toEqual({ messages: 0, mentions: 0 });
  });

  it("reads at most a bounded number of mentions", async () => {
    for (let i = 0; i < maxCountedMentions + 5; i++) await store.appendMessage(text("a", ["b"]));
    expect((await countsOf("b", 0))?.mentions).toBe(maxCountedMentions);
  });
});
