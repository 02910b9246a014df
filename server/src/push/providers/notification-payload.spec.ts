import { describe, expect, it } from "vitest";
import { retryAfterMs } from "./http-request.ts";
import { collapseKey, pushPayload, truncateUtf8 } from "./notification-payload.ts";

describe("what every provider sends", () => {
  it("cuts text to a byte budget between characters, marking the cut", () => {
    expect(truncateUtf8("short", 10)).toBe("short");
    expect(truncateUtf8("abcdefghij", 6)).toBe("abc…"); // "…" is 3 bytes
    const emoji = "🍜".repeat(10); // 4 bytes each
    const cut = truncateUtf8(emoji, 13);
    expect(cut).toBe("🍜🍜…");
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(13);
    expect(cut.includes("\uFFFD")).toBe(false);
  });

  it("bounds title and body whatever the worker composed", () => {
    const payload = pushPayload({ conversationId: "c", seq: 1, count: 1, mention: false, ttlSeconds: 1, title: "t".repeat(1_000), body: "b".repeat(10_000) });
    expect(Buffer.byteLength(payload.title)).toBeLessThanOrEqual(256);
    expect(Buffer.byteLength(payload.body)).toBeLessThanOrEqual(1_500);
  });

  it("derives a 32-character base64url collapse key, stable per conversation", () => {
    expect(collapseKey("c-1")).toMatch(/^[\w-]{32}$/);
    expect(collapseKey("c-1")).toBe(collapseKey("c-1"));
    expect(collapseKey("c-1")).not.toBe(collapseKey("c-2"));
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-11-30T12:00:00Z");
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("Mon, 30 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Mon, 30 Nov 2026 11:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
