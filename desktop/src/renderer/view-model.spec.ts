import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ConversationKind, ConversationSchema } from "@chat/gen/chat/v1/conversation_pb.js";
import { MembershipChange, MembershipEventSchema } from "@chat/gen/chat/v1/live_pb.js";
import { MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import { systemLineOf } from "@chat/client";
import { describe, expect, it } from "vitest";
import { statusLabel, timeline } from "./timeline.ts";
import {
  banner, type DesktopAction, type DesktopState, header, initialDesktopState, readUpTo, reduceDesktop, sidebar, switcherRows, windowTitle,
} from "./view-model.ts";

const ME = "a0000000-0000-4000-8000-000000000001";
const BOB = "b0000000-0000-4000-8000-000000000002";
const CAROL = "c0000000-0000-4000-8000-000000000003";
const DM = "d0000000-0000-4000-8000-00000000000d";
const TEAM = "e0000000-0000-4000-8000-00000000000e";
const t0 = Date.UTC(2025, 5, 1, 12, 0);

/** A message from the server, `seq` seconds after t0. */
const msg = (conversationId: string, seq: number, senderId: string, text = `text ${seq}`) =>
  create(MessageSchema, { conversationId, seq: BigInt(seq), senderId, clientMessageId: `id-${seq}`, text, sentAt: timestampFromMs(t0 + seq * 1000) });

/** My view of a direct conversation with Bob and a group "team" with Bob and Carol (3 unread, 5 messages). */
function given(...actions: DesktopAction[]): DesktopState {
  const conversations = [
    create(ConversationSchema, { id: DM, kind: ConversationKind.DIRECT, members: [{ userId: ME }, { userId: BOB }], createdAt: timestampFromMs(t0) }),
    create(ConversationSchema, {
      id: TEAM, kind: ConversationKind.GROUP, name: "team", members: [ME, BOB, CAROL].map((userId) => ({ userId })),
      lastSeq: 5n, unreadCount: 3n, createdAt: timestampFromMs(t0 - 1000),
    }),
  ];
  return [
    { type: "names", names: { [ME]: "me", [BOB]: "bob", [CAROL]: "carol" } },
    { type: "connection", state: "online" },
    { type: "conversations", conversations, now: t0 },
    ...actions,
  ].reduce<DesktopState>((s, a) => reduceDesktop(s, a as DesktopAction), initialDesktopState(ME, true));
}

const statuses = (s: DesktopState) => timeline(s, t0)!.items.filter((i) => i.own).map((i) => i.status);

describe("the desktop view model", () => {
  it("lists conversations by activity with online dots, unread counts and previews", () => {
    const s = given({ type: "presence", userId: BOB, online: true }, { type: "messages", now: t0, messages: [msg(DM, 1, BOB, "hello")] });
    expect(sidebar(s, t0 + 1000)).toEqual([
      {
        id: DM, title: "@bob", kind: "direct", online: true, presence: "online", statusText: "", unread: 0, mentions: 0, selected: true, preview: "bob: hello",
        when: "now", muted: false, bot: false,
      },
      {
        id: TEAM, title: "team", kind: "group", online: undefined, presence: undefined, statusText: "", unread: 3, mentions: 0, selected: false, preview: "",
        when: "now", muted: false, bot: false,
      },
    ]);
    expect(header(s)).toEqual({ title: "@bob", detail: "online", online: true, peer: BOB });
    const later = reduceDesktop(s, { type: "messages", now: t0, messages: [msg(TEAM, 6, CAROL, "news")] });
    expect(sidebar(later).map((r) => [r.title, r.unread, r.preview])).toEqual([["team", 4, "carol: news"], ["@bob", 0, "bob: hello"]]);
    const opened = reduceDesktop(later, { type: "open", conversationId: TEAM });
    expect(sidebar(opened).find((r) => r.id === TEAM)!.unread).toBe(0);
    expect(header(opened)).toEqual({ title: "team", detail: "3 members: @me, @bob, @carol", online: undefined, peer: "" });
    // Presence from before a disconnect is not shown as current.
    expect(sidebar(reduceDesktop(s, { type: "connection", state: "reconnecting" }))[0]!.online).toBe(false);
  });

  it("takes my message from queued through ✓ and ✓✓ to read", () => {
    let s = given({ type: "connection", state: "reconnecting" }, { type: "sending", conversationId: DM, clientMessageId: "c1", text: "hi" });
    expect(statuses(s)).toEqual(["queued"]);
    expect(banner(s)).toEqual({ text: "Reconnecting… messages you send now go out when the connection is back.", tone: "warn" });
    s = reduceDesktop(s, { type: "connection", state: "online" });
    expect(statuses(s)).toEqual(["sending"]);
    expect(banner(s)).toBeUndefined();
    s = reduceDesktop(s, { type: "ack", conversationId: DM, clientMessageId: "c1", seq: 1n });
    expect(statuses(s)).toEqual(["sent"]);
    s = reduceDesktop(s, { type: "messages", now: t0, messages: [{ ...msg(DM, 1, ME, "hi"), clientMessageId: "c1" }] });
    expect(timeline(s, t0)!.items).toHaveLength(1); // the pending bubble became the stored one
    expect(statuses(s)).toEqual(["sent"]);
    s = reduceDesktop(s, { type: "marks", conversationId: DM, userId: BOB, delivered: 1n, read: 0n });
    expect(statuses(s)).toEqual(["delivered"]);
    s = reduceDesktop(s, { type: "marks", conversationId: DM, userId: BOB, delivered: 1n, read: 1n });
    expect(statuses(s).map((st) => statusLabel[st!])).toEqual(["✓✓ read"]);
  });

  it("shows a refused message as not sent, with the reason", () => {
    const s = given({ type: "sending", conversationId: DM, clientMessageId: "c1", text: "x" }, { type: "sendFailed", clientMessageId: "c1", error: "invalid_argument: too long" });
    expect(timeline(s, t0)!.items[0]).toMatchObject({ status: "failed", error: "invalid_argument: too long", time: "" });
  });

  it("marks read only what a focused window shows", () => {
    let s = given({ type: "open", conversationId: TEAM }, { type: "messages", now: t0, messages: [msg(TEAM, 4, BOB), msg(TEAM, 5, CAROL)] });
    expect(readUpTo(s)).toBeUndefined(); // nothing reported on screen yet
    s = reduceDesktop(s, { type: "seen", seq: 4n });
    expect(readUpTo(s)).toEqual({ conversationId: TEAM, seq: 4n }); // not the one below the fold
    s = reduceDesktop(s, { type: "seen", seq: 5n });
    expect(readUpTo(s)).toEqual({ conversationId: TEAM, seq: 5n });
    expect(readUpTo(reduceDesktop(s, { type: "focus", focused: false }))).toBeUndefined();
    s = reduceDesktop(s, { type: "marks", conversationId: TEAM, userId: ME, delivered: 5n, read: 5n });
    expect(readUpTo(s)).toBeUndefined();
    expect(sidebar(reduceDesktop(s, { type: "open", conversationId: DM })).find((r) => r.id === TEAM)!.unread).toBe(0);
  });

  it("says what is above the first message: more, loading, or the start", () => {
    let s = given({ type: "open", conversationId: TEAM }, { type: "messages", now: t0, messages: [msg(TEAM, 4, BOB), msg(TEAM, 5, CAROL)] });
    expect(timeline(s, t0)!.top).toBe("more");
    s = reduceDesktop(s, { type: "loadingOlder", conversationId: TEAM });
    expect(timeline(s, t0)!.top).toBe("loading");
    s = reduceDesktop(s, { type: "older", conversationId: TEAM, messages: [msg(TEAM, 3, BOB), msg(TEAM, 2, ME), msg(TEAM, 1, CAROL)] });
    expect(timeline(s, t0)!.top).toBe("start");
    expect(timeline(s, t0)!.items.map((i) => [i.text, i.own, i.firstOfRun])).toEqual([
      ["text 1", false, true], ["text 2", true, true], ["text 3", false, true], ["text 4", false, false], ["text 5", false, true],
    ]);
    expect(timeline(given(), t0)!.top).toBe("start"); // an empty conversation
  });

  it("shows who is typing until it expires, and keeps a draft per conversation", () => {
    const s = given({ type: "typing", conversationId: DM, userId: BOB, until: t0 + 3_000 }, { type: "draft", conversationId: DM, text: "half a thou" });
    expect(timeline(s, t0)!.typing).toBe("bob is typing…");
    expect(timeline(s, t0 + 4_000)!.typing).toBe("");
    const elsewhere = reduceDesktop(s, { type: "open", conversationId: TEAM });
    expect(elsewhere.drafts).toEqual({ [DM]: "half a thou" });
  });

  it("has a banner for every state but online", () => {
    expect(banner(initialDesktopState(ME, true))).toEqual({ text: "Connecting…", tone: "warn" });
    const closed = given({ type: "connection", state: "closed" }, { type: "notice", text: "This device was signed out." });
    expect(banner(closed)).toEqual({ text: "This device was signed out.", tone: "error" });
  });
});

describe("the desktop view model, for a day of use", () => {
  it("puts a 'New messages' line above the first unread, groups runs, and shows the receipt on my newest message only", () => {
    let s = given({ type: "marks", conversationId: TEAM, userId: ME, delivered: 2n, read: 2n });
    s = reduceDesktop(s, { type: "messages", now: t0, messages: [msg(TEAM, 1, ME), msg(TEAM, 2, ME), msg(TEAM, 3, BOB, "@me look at https://example.com/x."), msg(TEAM, 4, BOB)] });
    s = reduceDesktop(s, { type: "open", conversationId: TEAM });
    const items = timeline(s, t0)!.items;
    expect(items.map((i) => [i.text, i.firstOfRun, i.markerBefore, i.status])).toEqual([
      ["text 1", true, false, undefined], ["text 2", false, false, "sent"], ["@me look at https://example.com/x.", true, true, undefined], ["text 4", false, false, undefined],
    ]);
    expect(items[0]!.dayBefore).not.toBe("");
    expect(items[2]!.mentionsMe).toBe(true);
    expect(items[2]!.parts.map((p) => p.kind)).toEqual(["mention", "text", "link", "text"]);
  });

  it("counts unread in the title without the muted, and finds conversations for Ctrl-K", () => {
    const s = given();
    expect(windowTitle(s)).toBe("(3) Chat");
    expect(windowTitle(reduceDesktop(s, { type: "mute", conversationId: TEAM, muted: true }))).toBe("Chat");
    expect(switcherRows(reduceDesktop(s, { type: "switcher", query: "te" })).map((r) => r.title)).toEqual(["team"]);
    const opened = reduceDesktop(reduceDesktop(s, { type: "switcher", query: "" }), { type: "open", conversationId: TEAM });
    expect([opened.switcher, opened.showList]).toEqual([undefined, false]);
  });
  it("shows system lines between messages, bots as bots, who read my message on demand, and the note to self", () => {
    const added = create(MembershipEventSchema, { change: MembershipChange.ADDED, actorId: BOB, userIds: [CAROL] });
    let s = given({ type: "open", conversationId: TEAM }, { type: "messages", now: t0, messages: [msg(TEAM, 5, BOB), msg(TEAM, 6, ME, "mine")] });
    s = reduceDesktop(s, { type: "system", conversationId: TEAM, line: systemLineOf(added, 5n, t0)! });
    s = reduceDesktop(s, { type: "names", names: {}, bots: { [BOB]: true } });
    s = reduceDesktop(s, { type: "marks", conversationId: TEAM, userId: BOB, delivered: 6n, read: 6n });
    const view = timeline(s, t0)!;
    expect(view.items.map((i) => [i.text, i.systemBefore, i.bot])).toEqual([["text 5", [], true], ["mine", ["@bob added @carol"], false]]);
    expect(view.seenBy).toBe("your latest message: read by @bob · not yet @carol");
    expect(header(s)!.detail).toBe("3 members: @me, @bob (bot), @carol");
    s = reduceDesktop(s, { type: "conversation", now: t0 + 9000, conversation: create(ConversationSchema, { id: "f0000000-0000-4000-8000-00000000000f", kind: ConversationKind.DIRECT, members: [{ userId: ME }] }) });
    s = reduceDesktop(s, { type: "open", conversationId: "f0000000-0000-4000-8000-00000000000f" });
    expect(header(s)).toEqual({ title: "Note to self", detail: "Only you see what you write here", online: undefined, peer: ME });
    expect(sidebar(s, t0).find((r) => r.selected)).toMatchObject({ title: "Note to self", online: undefined, bot: false });
  });
});
