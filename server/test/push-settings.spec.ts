import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, createClient } from "@connectrpc/connect";
import { PushEndpointSchema, PushProvider, PushService } from "@chat/gen/chat/v1/push_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, registerUser, startNode, type TestUser, transportFor } from "./harness.ts";

/** PushService and MuteConversation on a node without push credentials: every rule of the protos that needs none. */
describe("push settings, endpoints' validation and mutes", () => {
  let node: Awaited<ReturnType<typeof startNode>>;
  let alice: TestUser;
  let bob: TestUser;
  let push: ReturnType<typeof createClient<typeof PushService>>;
  let group: string;
  beforeAll(async () => {
    node = await startNode();
    [alice, bob] = await Promise.all([registerUser(node, "alice"), registerUser(node, "bob")]);
    push = createClient(PushService, transportFor(node.url, "connect", alice.token));
    group = (await alice.clients.conversations.createGroup({ name: "g", memberIds: [bob.id] })).conversation!.id;
  });
  afterAll(async () => node?.close());

  const webPush = (fields: Partial<{ token: string; p256dh: string; auth: string; apnsSandbox: boolean; provider: PushProvider }> = {}) =>
    create(PushEndpointSchema, {
      provider: PushProvider.WEB_PUSH, token: "https://fcm.googleapis.com/fcm/send/abc",
      p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString("base64url"), auth: Buffer.alloc(16, 1).toString("base64url"),
      ...fields,
    });

  it("settings default to no previews, are replaced, and the server says it can push through nothing", async () => {
    expect(await push.getPushSettings({})).toMatchObject({ settings: { showPreviews: false }, providers: [], webPushPublicKey: "" });
    expect((await push.setPushSettings({ settings: { showPreviews: true } })).settings?.showPreviews).toBe(true);
    expect((await push.getPushSettings({})).settings?.showPreviews).toBe(true);
    expect(await codeOf(push.setPushSettings({}))).toBe(Code.InvalidArgument);
    expect(await codeOf(push.unregisterPushEndpoint({}))).toBe("ok"); // none registered: still fine
  });

  it("a malformed endpoint is InvalidArgument naming the field; a well-formed one without credentials is FailedPrecondition", async () => {
    const cases: [string, ReturnType<typeof webPush> | undefined][] = [
      ["endpoint", undefined],
      ["endpoint.provider", webPush({ provider: PushProvider.UNSPECIFIED })],
      ["endpoint.provider", webPush({ provider: 9 as PushProvider })],
      ["endpoint.token", webPush({ token: "" })],
      ["endpoint.token", webPush({ token: `https://x.example/${"a".repeat(2_048)}` })],
      ["endpoint.token", webPush({ token: "not a url" })],
      ["endpoint.token", webPush({ token: "http://fcm.googleapis.com/plain" })],
      ["endpoint.p256dh", webPush({ p256dh: Buffer.alloc(65, 4).toString("base64url").replace(/^./, "A") })],
      ["endpoint.p256dh", webPush({ p256dh: "%%%" })],
      ["endpoint.auth", webPush({ auth: Buffer.alloc(8).toString("base64url") })],
      ["endpoint.p256dh, endpoint.auth", webPush({ provider: PushProvider.FCM, token: "abc:def" })],
      ["endpoint.token", webPush({ provider: PushProvider.FCM, token: "has spaces", p256dh: "", auth: "" })],
      ["endpoint.token", webPush({ provider: PushProvider.APNS, token: "xyz", p256dh: "", auth: "" })],
      ["endpoint.apns_sandbox", webPush({ apnsSandbox: true })],
    ];
    for (const [field, endpoint] of cases) {
      const err = await push.registerPushEndpoint(endpoint ? { endpoint } : {}).then(() => undefined, (e: unknown) => e as Error & { code: Code });
      expect(err?.code, field).toBe(Code.InvalidArgument);
      expect(err?.message, field).toContain(field);
    }
    expect(await codeOf(push.registerPushEndpoint({ endpoint: webPush() }))).toBe(Code.FailedPrecondition);
    expect(await codeOf(push.registerPushEndpoint({ endpoint: webPush({ provider: PushProvider.APNS, token: "ab".repeat(32), p256dh: "", auth: "" }) })))
      .toBe(Code.FailedPrecondition);
  });

  it("MuteConversation mutes for the caller only, with or without an end, and unmutes; bad input has its code", async () => {
    const conversations = alice.clients.conversations;
    const until = new Date(Date.now() + 3_600_000);
    const muted = (await conversations.muteConversation({ conversationId: group, muted: true, until: timestampFromDate(until) })).conversation!;
    expect(muted.muted).toBe(true);
    expect(Number(muted.mutedUntil?.seconds)).toBe(Math.floor(until.getTime() / 1000));
    // Everywhere the caller reads the conversation; bob's view is his own.
    expect((await conversations.getConversation({ conversationId: group })).conversation?.muted).toBe(true);
    expect((await conversations.listConversations({})).conversations.find((c) => c.id === group)?.muted).toBe(true);
    expect((await bob.clients.conversations.getConversation({ conversationId: group })).conversation?.muted).toBe(false);

    const forever = (await conversations.muteConversation({ conversationId: group, muted: true })).conversation!;
    expect([forever.muted, forever.mutedUntil]).toEqual([true, undefined]);
    const unmuted = (await conversations.muteConversation({ conversationId: group, muted: false, until: timestampFromDate(new Date(0)) })).conversation!;
    expect([unmuted.muted, unmuted.mutedUntil]).toEqual([false, undefined]);

    expect(await codeOf(conversations.muteConversation({ conversationId: group, muted: true, until: timestampFromDate(new Date(Date.now() - 1_000)) })))
      .toBe(Code.InvalidArgument);
    expect(await codeOf(conversations.muteConversation({ conversationId: "", muted: true }))).toBe(Code.InvalidArgument);
    expect(await codeOf(conversations.muteConversation({ conversationId: crypto.randomUUID(), muted: true }))).toBe(Code.NotFound);
  });
});
