import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { SystemEventKind } from "@chat/gen/chat/v1/message_pb.js";
import { createMemoryBroker } from "../../engines/broker/memory/memory-broker.ts";
import { createMemoryControlPlane } from "../../engines/control/memory/memory-control-plane.ts";
import { createMemorySessionMap } from "../../engines/sessions/memory/memory-session-map.ts";
import type { Store } from "../../engines/store/interface.ts";
import { type StoreEngine, storeEngines } from "../../engines/store/store-engines.ts";
import type { Caller } from "../caller.ts";
import { type Chat, createChat } from "../chat.ts";
import { decodeContent } from "../messages/content.ts";

/*
 * AddMembers writes the members, then their MEMBERS_ADDED event: two writes. When the event's write
 * fails, the client's retry finds the members there; it used to add nothing and write nothing, so
 * that the group's stream never said "alice added carol". The retry now writes the missing event,
 * once, on both stores.
 */
describe.each(storeEngines)("AddMembers failing before its event ($name)", ({ make }) => {
  let engine: StoreEngine;
  let store: Store;
  let chat: Chat;
  /** When set, the next system event's append fails as an unreachable database does. */
  let failNextEvent = false;

  beforeAll(async () => {
    engine = make();
    const real = await engine.open();
    store = new Proxy(real, {
      get(target, key, receiver) {
        if (key !== "appendMessage") return Reflect.get(target, key, receiver);
        return (message: Parameters<Store["appendMessage"]>[0]) => {
          if (failNextEvent && message.clientMessageId.startsWith("system:")) {
            failNextEvent = false;
            return Promise.reject(new ConnectError("the database is unreachable", Code.Unavailable));
          }
          return target.appendMessage(message);
        };
      },
    });
    chat = await createChat({ nodeId: "n1", store, sessions: createMemorySessionMap(), broker: createMemoryBroker(), control: createMemoryControlPlane() });
  });
  afterAll(async () => {
    chat?.close();
    await store?.close();
    await engine?.destroy();
  });

  let users = 0;
  const user = async (): Promise<Caller> => {
    const record = await chat.accounts.createUser(`add${++users}x${process.pid}`, "", ""); // no password: no argon2 check
    return { userId: record.id, deviceId: "d" };
  };
  /** The group's MEMBERS_ADDED events, as the users each added. */
  const addedEvents = async (conversationId: string) => (await store.listMessages(conversationId, { limit: 50, order: "asc" }))
    .map(decodeContent).flatMap((c) => (c.case === "systemEvent" && c.value.kind === SystemEventKind.MEMBERS_ADDED ? [c.value.userIds] : []));

  it("the retry writes the missing event once; the added member starts read up to it", async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const group = (await chat.conversations.createGroup(alice, "retry", [bob.userId], [])).id;
    failNextEvent = true;
    const failed = await chat.conversations.addMembers(alice, group, [carol.userId], []).then(() => undefined, (err: unknown) => ConnectError.from(err));
    expect(failed?.code).toBe(Code.Unavailable);
    expect((await store.listMembers(group)).map((m) => m.userId)).toContain(carol.userId); // the members were stored, not the event
    expect(await addedEvents(group)).toEqual([]);

    const view = await chat.conversations.addMembers(alice, group, [carol.userId], []);
    expect(view.members.map((m) => m.userId)).toContain(carol.userId);
    expect(await addedEvents(group)).toEqual([[carol.userId]]);
    const event = (await store.listMessages(group, { limit: 50, order: "desc" }))[0]!;
    const marks = (await store.listReadStates(group)).find((s) => s.userId === carol.userId);
    expect(marks?.readSeq).toBe(event.seq);

    // Asked again (another retry, a double click): nothing more is written.
    await Promise.all([1, 2].map(() => chat.conversations.addMembers(alice, group, [carol.userId], [])));
    expect(await addedEvents(group)).toEqual([[carol.userId]]);
  });

  it("a member added with their event is not announced again when asked for again", async () => {
    const [alice, bob, carol, dave] = [await user(), await user(), await user(), await user()];
    const group = (await chat.conversations.createGroup(alice, "again", [bob.userId], [])).id;
    await chat.conversations.addMembers(alice, group, [carol.userId, dave.userId], []);
    await chat.conversations.addMembers(alice, group, [dave.userId, bob.userId], []); // dave already in, bob a founder
    expect(await addedEvents(group)).toEqual([[carol.userId, dave.userId]]);
  });
});
