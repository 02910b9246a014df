import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createSqliteStore } from "../../engines/store/sqlite/sqlite-store.ts";
import { Membership } from "./membership.ts";

describe("Membership cache", () => {
  it("stays under its bound however many conversation ids a client names (300k unknown ids)", async () => {
    const store = createSqliteStore({ path: ":memory:" });
    const capacity = 20_000;
    const membership = new Membership(store, 60_000, capacity);
    try {
      // Issue 9: a logged-in user naming random conversation ids grew the node from 174 to 372 MB,
      // one cached empty member list per id. Each is a NotFound, and each is cached, within the bound.
      for (let i = 0; i < 300_000; i++) {
        const err = await membership.require(randomUUID(), "someone").catch((e: unknown) => e);
        if (!(err instanceof ConnectError) || err.code !== Code.NotFound) throw new Error(`expected NotFound, got ${String(err)}`);
      }
      expect(membership.size).toBeLessThanOrEqual(capacity);
    } finally {
      await store.close();
    }
  }, 120_000);
});
