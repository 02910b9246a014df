import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { SendMessageRequestSchema } from "@chat/gen/chat/v1/live_pb.js";
import { createMemoryBroker } from "../../engines/broker/memory/memory-broker.ts";
import { createMemoryControlPlane } from "../../engines/control/memory/memory-control-plane.ts";
import type { SessionMap } from "../../engines/sessions/interface.ts";
import { createMemorySessionMap } from "../../engines/sessions/memory/memory-session-map.ts";
import { createSqliteStore } from "../../engines/store/sqlite/sqlite-store.ts";
import { createChat } from "../chat.ts";

/** The memory session map, made to fail its lookups the way an unreachable Redis does. */
function unreachableSessionMap(): SessionMap {
  const map = createMemorySessionMap();
  return { ...map, locate: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")) };
}

describe("Dispatcher", () => {
  it("acknowledges a durable send even when the session map cannot route it, and reports the failure", async () => {
    const store = createSqliteStore({ path: ":memory:" });
    const errors: unknown[] = [];
    const chat = await createChat({
      nodeId: "n1", store, sessions: unreachableSessionMap(), broker: createMemoryBroker(), control: createMemoryControlPlane(), onError: (e) => errors.push(e),
    });
    const alice = await chat.accounts.register({ username: "alice", password: "password one", displayName: "", deviceName: "t" });
    const bob = await chat.accounts.register({ username: "bob", password: "password two", displayName: "", deviceName: "t" });
    const caller = { userId: alice.user.id, deviceId: alice.deviceId };
    const { conversation } = await chat.conversations.getOrCreateDirect(caller, { userId: bob.user.id, username: "" });
    const ack = await chat.messages.send(caller, create(SendMessageRequestSchema, { conversationId: conversation.id, clientMessageId: "m1", text: "hi" }));
    expect(ack.seq).toBe(1n);
    expect((await store.listMessages(conversation.id, { limit: 10, order: "asc" })).map((m) => m.text)).toEqual(["hi"]);
    expect(String(errors[0])).toMatch(/ECONNREFUSED/);
    chat.close();
    await store.close();
  });
});
