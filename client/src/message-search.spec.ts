import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageSearch, snippetText } from "./message-search.ts";
import { UserDirectory } from "./user-directory.ts";
import { TestServer } from "../test/test-server.ts";

// MessageSearch against a real server's SearchService: pages, senders' names, a refused query, and a
// late answer to an earlier search that must not replace the newer one.

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(async () => {
  await server.dispose();
});

describe("MessageSearch", () => {
  it("reads pages with the senders' names, says why a query is refused, and keeps the newest search", async () => {
    const alice = await server.user("seeker");
    const bob = await server.user("writer");
    const { conversation } = await bob.clients.conversations.getOrCreateDirect({ userId: alice.userId });
    const id = conversation!.id;
    for (let i = 1; i <= 5; i++) await bob.clients.live.sendMessage({ conversationId: id, clientMessageId: `k${i}`, text: `kettle number ${i} is on` });
    await bob.clients.live.sendMessage({ conversationId: id, clientMessageId: "t1", text: "teapot" });
    const search = new MessageSearch(alice.clients.search, new UserDirectory(alice.clients.users));
    const seen: boolean[] = [];
    search.subscribe((r) => seen.push(r.loading));

    await search.run({ query: "kettle", pageSize: 2 });
    let r = search.results;
    expect(r.hits.map((h) => Number(h.message!.seq))).toEqual([5, 4]);
    expect(r.names).toEqual({ [bob.userId]: "writer" });
    expect(snippetText(r.hits[0]!.snippet, (t) => `[${t}]`)).toBe("[kettle] number 5 is on");
    expect(r.nextPageToken).not.toBe("");
    expect(seen).toEqual([true, false]);
    await search.more();
    await search.more();
    r = search.results;
    expect(r.hits.map((h) => Number(h.message!.seq))).toEqual([5, 4, 3, 2, 1]);
    expect(r.nextPageToken).toBe("");
    await search.more(); // nothing more: no call, no change
    expect(search.results).toBe(r);

    await search.run({ query: "kettle colour:red" });
    expect(search.results.error).toMatch(/colour/);
    expect(search.results.hits).toEqual([]);

    // Two searches at once: the answer to the first, whenever it comes, does not replace the second's.
    const first = search.run({ query: "kettle" });
    const second = search.run({ query: "teapot" });
    await Promise.all([first, second]);
    expect(search.results.query?.query).toBe("teapot");
    expect(search.results.hits.map((h) => h.message!.text)).toEqual(["teapot"]);
    search.clear();
    expect(search.results.query).toBeUndefined();
  });
});
