import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ConversationKind, ConversationSchema, type Conversation } from "@chat/gen/chat/v1/conversation_pb.js";
import { MembershipChange, MembershipEventSchema } from "@chat/gen/chat/v1/live_pb.js";
import { type Message, MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import { systemLineOf } from "@chat/client";
import { describe, expect, it } from "vitest";
import { allLines, readUpTo, screen, type ScreenSize, scrollToMarker, wantsOlder } from "./screen.ts";
import { type Action, initialState, reduce, type ViewState } from "./view-model.ts";

const ALICE = "a0000000-0000-4000-8000-000000000001";
const BOB = "b0000000-0000-4000-8000-000000000002";
const CAROL = "c0000000-0000-4000-8000-000000000003";
const DIRECT = "d0000000-0000-4000-8000-00000000000d";
const GROUP = "e0000000-0000-4000-8000-00000000000e";
const size: ScreenSize = { width: 100, height: 14 };
const at = Date.UTC(2025, 0, 2, 9, 30);

function conversation(init: { id: string; memberIds: string[]; kind?: ConversationKind; name?: string; lastSeq?: bigint; unreadCount?: bigint }): Conversation {
  const { memberIds, ...rest } = init;
  return create(ConversationSchema, { kind: ConversationKind.DIRECT, ...rest, members: memberIds.map((userId) => ({ userId })), createdAt: timestampFromMs(at) });
}

function message(seq: number, senderId: string, text = `message ${seq}`, conversationId = DIRECT): Message {
  return create(MessageSchema, { conversationId, seq: BigInt(seq), senderId, clientMessageId: `cm-${conversationId}-${seq}`, text, sentAt: timestampFromMs(at + seq * 1000) });
}

/** Alice's view with a direct conversation with Bob and a group with Bob and Carol. */
function state(...actions: Action[]): ViewState {
  let s = reduce(initialState(ALICE), { type: "names", names: { [ALICE]: "alice", [BOB]: "bob", [CAROL]: "carol" } });
  s = reduce(s, { type: "connection", state: "online" });
  s = reduce(s, { type: "conversations", now: at, conversations: [
    conversation({ id: DIRECT, memberIds: [ALICE, BOB] }),
    conversation({ id: GROUP, kind: ConversationKind.GROUP, name: "team", memberIds: [ALICE, BOB, CAROL], lastSeq: 4n, unreadCount: 2n }),
  ] });
  return actions.reduce(reduce, s);
}

/** The message area's text, without blank rows and day separators. */
const body = (s: ViewState) => screen(s, size, at).body.filter((l) => l.tone !== "day").map((l) => l.text).filter(Boolean);

describe("the interactive client's screen", () => {
  it("lists conversations with unread counts and online dots, and opens the first", () => {
    const s = state({ type: "presence", userId: BOB, online: true });
    const shown = screen(s, size, at);
    expect(shown.sidebar.map((r) => r.text)).toEqual([`› ● @bob${" ".repeat(15)}now`, `  # team (2)${" ".repeat(11)}now`]);
    expect(shown.sidebar.every((r) => r.text.length === 26)).toBe(true);
    expect(shown.header).toBe("@bob · ● online");
    expect(shown.status).toBe("online");
    expect(shown.title).toBe("chat · @alice");
    const offline = screen(reduce(s, { type: "presence", userId: BOB, online: false }), size, at);
    expect(offline.sidebar[0]!.text).toMatch(/^› ○ @bob +now$/);
    expect(offline.header).toBe("@bob · ○ offline");
    // Presence seen before a disconnect is not shown as current.
    expect(screen(reduce(s, { type: "connection", state: "reconnecting" }), size, at).header).toBe("@bob · ○ offline");
  });

  it("counts new messages in other conversations as unread, but not replays the server counted", () => {
    const s = state(
      { type: "messages", now: at, messages: [message(3, BOB, "old", GROUP), message(4, CAROL, "old", GROUP)] },
      { type: "messages", now: at, messages: [message(5, CAROL, "new", GROUP), message(5, CAROL, "new", GROUP)] },
    );
    expect(screen(s, size, at).sidebar.find((r) => r.id === GROUP)!.text).toContain("team (3)");
    const opened = reduce(s, { type: "open", conversationId: GROUP });
    expect(readUpTo(opened, size, at)).toEqual({ conversationId: GROUP, seq: 5n });
    const read = reduce(opened, { type: "marks", conversationId: GROUP, userId: ALICE, delivered: 5n, read: 5n });
    expect(read.conversations[GROUP]!.unread).toBe(0);
    expect(readUpTo(read, size, at)).toBeUndefined();
  });

  it("shows my messages as queued while offline, then ✓, ✓✓ and read as receipts arrive", () => {
    let s = state({ type: "connection", state: "reconnecting" }, { type: "sending", conversationId: DIRECT, clientMessageId: "x1", text: "are you there?" });
    expect(screen(s, size, at).status).toBe("reconnecting…");
    expect(body(s).at(-1)).toBe("--:-- @alice: are you there? (queued)");
    s = reduce(s, { type: "connection", state: "online" });
    expect(body(s).at(-1)).toBe("--:-- @alice: are you there? …");
    s = reduce(s, { type: "ack", conversationId: DIRECT, clientMessageId: "x1", seq: 1n });
    expect(body(s).at(-1)).toMatch(/are you there\? ✓$/);
    s = reduce(s, { type: "messages", now: at, messages: [{ ...message(1, ALICE, "are you there?"), clientMessageId: "x1" }] });
    expect(body(s)).toEqual(["09:30 @alice: are you there? ✓".replace("09:30", time(1))]);
    s = reduce(s, { type: "marks", conversationId: DIRECT, userId: BOB, delivered: 1n, read: 0n });
    expect(body(s).at(-1)).toMatch(/are you there\? ✓✓$/);
    s = reduce(s, { type: "marks", conversationId: DIRECT, userId: BOB, delivered: 1n, read: 1n });
    expect(body(s).at(-1)).toMatch(/are you there\? ✓✓ read$/);
  });

  it("marks a group message read only once every other member read it", () => {
    let s = state({ type: "open", conversationId: GROUP }, { type: "messages", now: at, messages: [message(5, ALICE, "hi all", GROUP)] });
    s = reduce(s, { type: "marks", conversationId: GROUP, userId: BOB, delivered: 5n, read: 5n });
    expect(body(s).at(-1)).toMatch(/hi all ✓$/);
    s = reduce(s, { type: "marks", conversationId: GROUP, userId: CAROL, delivered: 5n, read: 0n });
    expect(body(s).at(-1)).toMatch(/hi all ✓✓$/);
    s = reduce(s, { type: "marks", conversationId: GROUP, userId: CAROL, delivered: 5n, read: 5n });
    expect(body(s).at(-1)).toMatch(/hi all ✓✓ read$/);
  });

  it("shows who is typing until the indicator expires or they send", () => {
    const s = state({ type: "typing", conversationId: DIRECT, userId: BOB, until: at + 5_000 });
    expect(screen(s, size, at).footer).toBe("bob is typing…");
    expect(screen(s, size, at + 6_000).footer).toBe("");
    expect(screen(reduce(s, { type: "messages", now: at, messages: [message(1, BOB)] }), size, at).footer).toBe("");
    const two = reduce(s, { type: "typing", conversationId: DIRECT, userId: CAROL, until: at + 5_000 });
    expect(screen(two, size, at).footer).toBe("bob and carol are typing…");
    expect(screen(reduce(s, { type: "notice", text: "added @carol" }), size, at + 6_000).footer).toBe("added @carol");
  });

  it("keeps the newest message at the bottom, scrolls back, and asks for older history at the top", () => {
    const messages = Array.from({ length: 30 }, (_, i) => message(i + 11, i % 2 ? ALICE : BOB));
    let s = state({ type: "messages", now: at, messages });
    expect(screen(s, size, at).body).toHaveLength(10);
    expect(body(s).at(-1)).toContain("message 40");
    expect(body(s)[0]).toContain("message 31");
    expect(wantsOlder(s, size)).toBe(false);
    s = reduce(s, { type: "scroll", lines: 5 });
    expect(body(s).at(-1)).toContain("message 35");
    expect(readUpTo(s, size, at)?.seq).toBe(35n); // scrolled up: only what is on screen is read
    s = reduce(s, { type: "scroll", lines: 1_000 });
    expect(body(s)[0]).toBe("  ↑ older messages (PgUp)");
    expect(wantsOlder(s, size)).toBe(true);
    s = reduce(s, { type: "loadingOlder", conversationId: DIRECT });
    expect(wantsOlder(s, size)).toBe(false);
    expect(body(s)[0]).toBe("  loading older messages…");
    s = reduce(s, { type: "older", conversationId: DIRECT, messages: Array.from({ length: 10 }, (_, i) => message(10 - i, BOB)) });
    // The view stays where it was (scroll counts from the bottom) and the list has no gap.
    expect(s.conversations[DIRECT]!.messages.map((m) => Number(m.seq))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    s = reduce(s, { type: "scroll", lines: 1_000 });
    expect(body(s)[0]).toContain("message 1");
    expect(wantsOlder(s, size)).toBe(false); // seq 1 is loaded: nothing older exists
  });

  it("wraps long messages under their first line", () => {
    const s = state({ type: "messages", now: at, messages: [message(1, BOB, "x".repeat(150))] });
    const lines = body(s);
    expect(lines).toHaveLength(3);
    expect(lines[1]!.startsWith("      x")).toBe(true);
    expect(lines.every((l) => l.length <= size.width - 29)).toBe(true);
  });

  it("switches conversations with Tab in activity order, and drops one the user left", () => {
    let s = state({ type: "messages", now: at, messages: [message(5, BOB, "latest", GROUP)] });
    expect(screen(s, size, at).sidebar.map((r) => r.id)).toEqual([GROUP, DIRECT]);
    s = reduce(s, { type: "cycle", step: 1 });
    expect(s.openId).toBe(GROUP);
    expect(screen(s, size, at).header).toBe("# team · 3 members: @alice, @bob, @carol");
    s = reduce(s, { type: "left", conversationId: GROUP });
    expect(s.openId).toBe(DIRECT);
    expect(screen(s, size, at).sidebar.map((r) => r.id)).toEqual([DIRECT]);
  });

  it("shows a hint when there is no conversation, and the help on /help", () => {
    const empty = reduce(reduce(initialState(ALICE), { type: "conversations", conversations: [], now: at }), { type: "connection", state: "connecting" });
    expect(screen(empty, size, at).status).toBe("connecting…");
    expect(body(empty)).toEqual(["No conversation open. Start one with /new @username, or /help."]);
    const first = reduce(empty, { type: "conversation", conversation: conversation({ id: DIRECT, memberIds: [ALICE, BOB] }), now: at });
    expect(first.openId).toBe(DIRECT);
    const help = reduce(empty, { type: "help", show: true });
    expect(body(help).join("\n")).toContain("/status busy [text]");
    expect(body(reduce(help, { type: "scroll", lines: 5 })).join("\n")).toContain("/group name @a @b");
  });
});

function time(seq: number): string {
  const d = new Date(at + seq * 1000);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

describe("the interactive client's screen, for a day of use", () => {
  it("hides the conversation list below 50 columns, so messages keep the width", () => {
    const s = state({ type: "messages", now: at, messages: [message(1, BOB, "a message that would have been squeezed")] });
    const narrow = screen(s, { width: 38, height: 12 }, at);
    expect(narrow.sidebarWidth).toBe(0);
    expect(narrow.header).toBe("[1/2 · 2 unread] @bob · ○ offline");
    expect(narrow.body.filter((l) => l.seq).map((l) => l.text.trim()).join(" ")).toContain("a message that would have been squeezed");
    expect(screen(s, { width: 60, height: 12 }, at).sidebarWidth).toBe(20);
  });

  it("draws a 'new messages' line at the first unread, groups runs, and reads only what is on screen", () => {
    const messages = Array.from({ length: 30 }, (_, i) => message(i + 1, BOB, `m${i + 1}`, GROUP));
    let s = state({ type: "marks", conversationId: GROUP, userId: ALICE, delivered: 4n, read: 4n });
    s = reduce(s, { type: "conversations", now: at, conversations: [conversation({ id: GROUP, kind: ConversationKind.GROUP, name: "team", memberIds: [ALICE, BOB, CAROL], lastSeq: 30n, unreadCount: 26n })] });
    s = reduce(s, { type: "messages", now: at, messages });
    s = reduce(s, { type: "open", conversationId: GROUP });
    expect(s.marker).toEqual({ conversationId: GROUP, afterSeq: 4n });
    const all = messageLinesOf(s);
    const markerAt = all.findIndex((l) => l.tone === "marker");
    expect(all[markerAt + 1]!.text).toMatch(/@bob: m5$/);
    // One sender within minutes: one time and name, then the texts indented under it.
    expect(all[markerAt + 2]!.text).toBe("      m6");
    // Scrolled so that the marker is at the top: what shows is read, not the 20 messages below.
    s = reduce(s, { type: "scrollTo", lines: scrollToMarker(s, size, at)! });
    expect(screen(s, size, at).body[0]!.tone).toBe("marker");
    expect(readUpTo(s, size, at)).toEqual({ conversationId: GROUP, seq: 13n });
  });

  it("places system lines where they happened, and marks bots", () => {
    const added = create(MembershipEventSchema, {
      change: MembershipChange.ADDED, actorId: ALICE, userIds: [CAROL], conversation: conversation({ id: GROUP, memberIds: [ALICE, BOB, CAROL] }),
    });
    let s = state({ type: "open", conversationId: GROUP }, { type: "messages", now: at, messages: [message(4, BOB, "before", GROUP)] });
    s = reduce(s, { type: "system", conversationId: GROUP, line: systemLineOf(added, 4n, at)! });
    s = reduce(s, { type: "system", conversationId: GROUP, line: systemLineOf({ ...added, change: MembershipChange.LEFT, actorId: BOB, userIds: [BOB] }, 4n, at)! });
    s = reduce(s, { type: "names", names: {}, bots: { [BOB]: true } });
    s = reduce(s, { type: "messages", now: at, messages: [message(5, BOB, "after", GROUP)] });
    expect(body(s).slice(-4)).toEqual(["09:30 @bob [bot]: before", "  · you added @carol", "  · @bob left", "09:30 @bob [bot]: after"]);
    expect(screen(s, size, at).header).toContain("@bob [bot], @carol");
  });

  it("drops the times in compact mode, and calls the conversation with myself a note to self", () => {
    let s = state({ type: "messages", now: at, messages: [message(1, BOB, "hi"), message(2, ALICE, "hello")] }, { type: "compact", compact: true });
    expect(body(s).slice(-2)).toEqual(["@bob: hi", "@alice: hello ✓"]);
    s = reduce(s, { type: "conversation", now: at + 1, conversation: conversation({ id: GROUP, memberIds: [ALICE] }) });
    s = reduce(s, { type: "open", conversationId: GROUP });
    expect(screen(s, size, at).header).toBe("Note to self · only you see it");
    expect(screen(s, size, at).sidebar.find((r) => r.selected)!.text).toMatch(/^› ✎ Note to self +now$/);
  });

  it("shows the input's cursor, and grows the input for a multi-line message", () => {
    const s = reduce(state(), { type: "input", text: "line one\nline two", cursor: 3 });
    const shown = screen(s, size, at);
    expect(shown.input).toEqual([{ text: "> line one", cursor: 5 }, { text: "  line two" }]);
    expect(shown.body).toHaveLength(size.height - 3 - 2);
  });

  it("tells why the connection is down, and shows my name before the server answers", () => {
    let s = reduce(initialState(ALICE), { type: "names", names: { [ALICE]: "alice" } });
    s = reduce(s, { type: "connection", state: "connecting", error: "Can't reach the server (connection refused by 127.0.0.1:1)." });
    const shown = screen(s, size, at);
    expect(shown.title).toBe("chat · @alice");
    expect(shown.footer).toBe("Can't reach the server (connection refused by 127.0.0.1:1). Retrying…");
  });
});

function messageLinesOf(s: ViewState) {
  return allLines(s, size, at);
}
