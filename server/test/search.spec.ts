import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { SearchService, type SearchMessagesResponse } from "@chat/gen/chat/v1/search_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestUser, codeOf, newId, registerUser, startNode, transportFor } from "./harness.ts";

/**
 * SearchService end to end, through the real server on the embedded store (the cluster store's
 * index is tested in server/test/cluster/ and the store contract suite).
 */
describe("message search", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let alice: TestUser, bob: TestUser, carol: TestUser, mallory: TestUser;
  let team: string, direct: string, secret: string;
  const searchOf = (u: TestUser): Client<typeof SearchService> => createClient(SearchService, transportFor(server.url, "grpc", u.token));
  const search = (u: TestUser, query: string, more: { conversationId?: string; pageSize?: number; pageToken?: string } = {}) =>
    searchOf(u).searchMessages({ query, ...more });
  const send = async (u: TestUser, conversationId: string, text: string) =>
    (await u.clients.live.sendMessage({ conversationId, clientMessageId: newId(), text })).seq;
  const texts = (res: SearchMessagesResponse) => res.hits.map((h) => h.message!.text);

  beforeAll(async () => {
    server = await startNode();
    [alice, bob, carol, mallory] = await Promise.all([
      registerUser(server, "alice"), registerUser(server, "bob"), registerUser(server, "carol"), registerUser(server, "mallory"),
    ]);
    team = (await alice.clients.conversations.createGroup({ name: "Team Rocket", memberIds: [bob.id, carol.id] })).conversation!.id;
    direct = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    secret = (await mallory.clients.conversations.createGroup({ name: "secret", memberIds: [] })).conversation!.id;
    await send(alice, team, "Déjà vu: the launch is on Friday");
    await send(bob, team, "launch codes are in the Café drawer");
    await send(bob, direct, "lunch before the launch?");
    await send(mallory, secret, "launch the secret plan");
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it("finds the caller's messages newest first, in their current state, with highlighted snippets", async () => {
    const res = await search(alice, "LAUNCH");
    expect(texts(res)).toEqual(["lunch before the launch?", "launch codes are in the Café drawer", "Déjà vu: the launch is on Friday"]);
    expect(res.nextPageToken).toBe("");
    const [first] = res.hits;
    expect(first!.message).toMatchObject({ conversationId: direct, seq: 1n, senderId: bob.id });
    expect(first!.message!.content.case).toBe("textContent");
    expect(first!.snippet.map((p) => [p.text, p.highlighted])).toEqual([["lunch before the ", false], ["launch", true], ["?", false]]);
    expect(texts(await search(bob, "cafe drawer"))).toEqual(["launch codes are in the Café drawer"]);
    expect(texts(await search(carol, "deja lau*"))).toEqual(["Déjà vu: the launch is on Friday"]);
    expect(texts(await search(alice, '"the launch"'))).toEqual(["lunch before the launch?", "Déjà vu: the launch is on Friday"]);
    expect(texts(await search(alice, '"launch the"'))).toEqual([]);
  });

  it("filters: conversation_id, in:#group, in:@user, from:@user, dates; never a system event", async () => {
    expect(texts(await search(alice, "launch", { conversationId: direct }))).toEqual(["lunch before the launch?"]);
    // A group name is whole ("Team Rocket" is not "team"), case-insensitive, quoted when it has spaces.
    expect(await codeOf(search(alice, "launch in:#team"))).toBe(Code.NotFound);
    expect(texts(await search(alice, 'launch in:#"team ROCKET"'))).toHaveLength(2);
    await alice.clients.conversations.createGroup({ name: "Team", memberIds: [] });
    expect(texts(await search(alice, "launch in:#team"))).toEqual([]);
    expect(texts(await search(bob, `in:@${alice.username}`))).toEqual(["lunch before the launch?"]);
    expect(texts(await search(alice, `launch from:@${bob.username}`))).toEqual(["lunch before the launch?", "launch codes are in the Café drawer"]);
    expect(texts(await search(alice, "from:@nosuchuser"))).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(texts(await search(alice, `launch on:${today}`))).toHaveLength(3);
    expect(texts(await search(alice, `launch before:${today}`))).toEqual([]);
    // The group's creation and the added members are system events: a filters-only search lists messages only.
    const group = (await alice.clients.conversations.createGroup({ name: "Quiet", memberIds: [bob.id] })).conversation!.id;
    expect((await search(alice, "in:#quiet")).hits).toEqual([]);
    expect((await search(alice, "after:2000-01-01", { conversationId: group })).hits).toEqual([]);
  });

  it("pages without repeats or gaps, and the last page has no token", async () => {
    const room = (await alice.clients.conversations.createGroup({ name: "pager", memberIds: [] })).conversation!.id;
    for (let i = 0; i < 7; i++) await send(alice, room, `paged message ${i}`);
    const seen: string[] = [];
    let pageToken = "";
    for (let round = 0; round < 10; round++) {
      const res = await search(alice, "paged", { conversationId: room, pageSize: 3, pageToken });
      seen.push(...texts(res));
      pageToken = res.nextPageToken;
      if (!pageToken) break;
    }
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `paged message ${6 - i}`));
  });

  it("answers bad input with precise codes", async () => {
    const cases: [string, Parameters<typeof search>[2], Code][] = [
      ["", {}, Code.InvalidArgument],
      ["x".repeat(257), {}, Code.InvalidArgument],
      [Array.from({ length: 17 }, (_, i) => `w${i}`).join(" "), {}, Code.InvalidArgument],
      ["launch color:red", {}, Code.InvalidArgument],
      ["launch on:2026-02-30", {}, Code.InvalidArgument],
      ["x*", {}, Code.InvalidArgument],
      ["launch", { pageSize: 101 }, Code.InvalidArgument],
      ["launch", { pageToken: "garbage!" }, Code.InvalidArgument],
      ["launch", { conversationId: "not-an-id" }, Code.InvalidArgument],
      ["launch", { conversationId: secret }, Code.NotFound],
      ["launch", { conversationId: newId() }, Code.NotFound],
      ["in:#secret", {}, Code.NotFound],
      [`in:@${mallory.username}`, {}, Code.NotFound],
    ];
    for (const [query, more, code] of cases) expect(await codeOf(search(alice, query, more)), `${query} ${JSON.stringify(more)}`).toBe(code);
    const err = await search(alice, "launch color:red").catch((e: unknown) => ConnectError.from(e));
    expect((err as ConnectError).rawMessage).toMatch(/unknown filter "color:"/);
    const anonymous = createClient(SearchService, transportFor(server.url, "grpc"));
    expect(await codeOf(anonymous.searchMessages({ query: "launch" }))).toBe(Code.Unauthenticated);
  });

  it("an edit is found by its new text only; a deleted message is never found", async () => {
    const seq = await send(carol, team, "the zebra crossing");
    expect(texts(await search(alice, "zebra"))).toEqual(["the zebra crossing"]);
    await carol.clients.live.editMessage({ conversationId: team, seq, clientMessageId: newId(), text: "the giraffe crossing" });
    expect(texts(await search(alice, "zebra"))).toEqual([]);
    const [hit] = (await search(alice, "giraffe")).hits;
    expect(hit!.message).toMatchObject({ seq, text: "the giraffe crossing" });
    expect(hit!.message!.editedAt).toBeDefined();
    await carol.clients.live.deleteMessage({ conversationId: team, seq, clientMessageId: newId() });
    expect(texts(await search(alice, "giraffe"))).toEqual([]);
    expect(texts(await search(alice, "crossing"))).toEqual([]);
  });

  it("a removed member no longer finds anything of that conversation", async () => {
    expect(texts(await search(carol, "launch"))).toHaveLength(2);
    await alice.clients.conversations.removeMember({ conversationId: team, userId: carol.id });
    expect(texts(await search(carol, "launch"))).toEqual([]);
    expect(await codeOf(search(carol, "launch", { conversationId: team }))).toBe(Code.NotFound);
  });
});
