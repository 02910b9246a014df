import { create } from "@bufbuild/protobuf";
import { PushEndpointSchema, PushProvider } from "@chat/gen/chat/v1/push_pb.js";
import { describe, expect, it } from "vitest";
import { notificationFor, openUrl, readPushPayload } from "./push-payload.ts";
import { base64urlBytes, bytesBase64url, endpointOf, sameEndpoint, workerUrl } from "./web-push.ts";

describe("a push message's notification", () => {
  it("shows the title and body, one per conversation (tag), with the conversation for the click", () => {
    const p = readPushPayload({ conversationId: "c1", seq: 7, count: 1, title: "alice in #team", body: "the deploy is done", mention: false, ttlSeconds: 60 });
    expect(notificationFor(p!)).toEqual({
      title: "alice in #team", options: { body: "the deploy is done", tag: "c1", renotify: true, data: { conversationId: "c1", seq: 7 } },
    });
  });

  it("reads a payload wrapped in `notification`, fills in missing words, cuts a long body, and refuses one without a conversation", () => {
    expect(readPushPayload({ notification: { conversation_id: "c2", count: 3 } })).toEqual({ conversationId: "c2", title: "Chat", body: "3 new messages", seq: 0, mention: false });
    expect(notificationFor(readPushPayload({ conversationId: "c3", body: "x".repeat(500) })!).options.body).toHaveLength(200);
    expect(readPushPayload({ title: "no conversation" })).toBeUndefined();
    expect(readPushPayload("text")).toBeUndefined();
    expect(readPushPayload(null)).toBeUndefined();
  });

  it("opens the app at the conversation, with the server a page not served by it talks to", () => {
    expect(openUrl("http://127.0.0.1:8080/", "c1", null)).toBe("http://127.0.0.1:8080/index.html?open=c1");
    expect(openUrl("http://127.0.0.1:5173/", "c1", "http://127.0.0.1:8080")).toBe("http://127.0.0.1:5173/index.html?server=http%3A%2F%2F127.0.0.1%3A8080&open=c1");
    expect(workerUrl("http://127.0.0.1:5173/index.html?server=http%3A%2F%2F127.0.0.1%3A8080")).toBe("./sw.js?server=http%3A%2F%2F127.0.0.1%3A8080");
    expect(workerUrl("http://127.0.0.1:8080/")).toBe("./sw.js");
  });
});

describe("Web Push registration", () => {
  it("turns the server's VAPID key into the applicationServerKey and back", () => {
    // An uncompressed P-256 point: 65 bytes starting with 4, as base64url without padding.
    const key = "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U";
    const bytes = base64urlBytes(key);
    expect(bytes).toHaveLength(65);
    expect(bytes[0]).toBe(4);
    expect(bytesBase64url(bytes.buffer)).toBe(key);
  });

  it("registers a subscription's https endpoint and keys, and only when the server does not have them", () => {
    const sub = { endpoint: "https://push.example/send/abc", keys: { p256dh: "BPk", auth: "c2VjcmV0" } };
    const endpoint = endpointOf(sub)!;
    expect(endpoint).toMatchObject({ provider: PushProvider.WEB_PUSH, token: sub.endpoint, p256dh: "BPk", auth: "c2VjcmV0" });
    expect(endpointOf({ endpoint: "http://push.example/x", keys: sub.keys })).toBeUndefined();
    expect(endpointOf({ endpoint: sub.endpoint, keys: { p256dh: "BPk" } })).toBeUndefined();
    const stored = create(PushEndpointSchema, { ...endpoint, deviceId: "d1" });
    expect(sameEndpoint(stored, endpoint)).toBe(true);
    expect(sameEndpoint(undefined, endpoint)).toBe(false);
    expect(sameEndpoint(create(PushEndpointSchema, { ...endpoint, auth: "other" }), endpoint)).toBe(false);
  });
});
