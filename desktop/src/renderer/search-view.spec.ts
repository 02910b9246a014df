import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { initialChatState, noSearch, reduceChat, type SearchResults } from "@chat/client";
import { ConversationKind, ConversationSchema, MemberSchema } from "@chat/gen/chat/v1/conversation_pb.js";
import { MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import { SearchHitSchema } from "@chat/gen/chat/v1/search_pb.js";
import { describe, expect, it } from "vitest";
import { searchRows, searchSummary } from "./search-view.ts";

const now = Date.UTC(2026, 10, 30, 16, 0);
const state = reduceChat({ ...initialChatState("me"), names: { me: "me", bob: "bob" } }, {
  type: "conversation", now, conversation: create(ConversationSchema, {
    id: "team", kind: ConversationKind.GROUP, name: "team", members: [create(MemberSchema, { userId: "me" }), create(MemberSchema, { userId: "bob" })],
  }),
});
const hit = (seq: number, senderId: string, parts: [string, boolean][]) => create(SearchHitSchema, {
  message: create(MessageSchema, { conversationId: "team", seq: BigInt(seq), senderId, sentAt: timestampFromMs(now - 5 * 60_000), text: "the deploy failed twice", content: { case: "textContent", value: { text: "the deploy failed twice" } } }),
  snippet: parts.map(([text, highlighted]) => ({ text, highlighted })),
});

describe("the search box", () => {
  it("shows where, who, when and the snippet with the matched words", () => {
    const results: SearchResults = { ...noSearch, query: { query: "deploy" }, hits: [hit(12, "bob", [["the ", false], ["deploy", true], [" failed twice", false]]), hit(3, "me", [])], names: { bob: "bob" } };
    const rows = searchRows(state, results, now);
    expect(rows[0]).toEqual({
      key: "team:12", conversationId: "team", seq: 12n, where: "#team", sender: "@bob", when: "5m",
      snippet: [{ text: "the ", highlighted: false }, { text: "deploy", highlighted: true }, { text: " failed twice", highlighted: false }],
    });
    // A filters-only hit has no snippet: the start of the text stands in.
    expect(rows[1]).toMatchObject({ sender: "you", snippet: [{ text: "the deploy failed twice", highlighted: false }] });
  });

  it("says what is going on above the results", () => {
    expect(searchSummary({ ...noSearch, query: { query: "x" }, loading: true })).toBe("Searching…");
    expect(searchSummary({ ...noSearch, query: { query: "x" } })).toBe("No message matches.");
    expect(searchSummary({ ...noSearch, query: { query: "x" }, hits: [hit(1, "bob", [])], nextPageToken: "t" })).toBe("1+ message");
    expect(searchSummary({ ...noSearch, query: { query: "x:y" }, error: "Unknown filter x:." })).toBe("Unknown filter x:.");
  });
});
