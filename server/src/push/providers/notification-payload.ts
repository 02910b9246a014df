import { createHash } from "node:crypto";
import type { PushNotification } from "./provider.ts";

/**
 * What every provider puts in a notification besides the visible title and body, so that a client (the
 * Web Push service worker, an Android or iOS app) opens the right conversation. The Web Push payload is
 * exactly this object as JSON; FCM carries it as `data` (string values), APNs beside `aps`.
 */
export interface PushPayload {
  conversationId: string;
  seq: number;
  count: number;
  mention: boolean;
  title: string;
  body: string;
}

/**
 * Longest title and body sent, in UTF-8 bytes. Every service caps a notification at 4 KiB (Web Push
 * payloads after encryption, FCM and APNs the whole message), so a long message is cut here rather
 * than refused there; 1,500 bytes of text is more than any lock screen shows.
 */
const maxTitleBytes = 256;
const maxBodyBytes = 1_500;

/** The payload of a notification, its title and body cut to sizes every service accepts. */
export function pushPayload(notification: PushNotification): PushPayload {
  return {
    conversationId: notification.conversationId,
    seq: notification.seq,
    count: notification.count,
    mention: notification.mention,
    title: truncateUtf8(notification.title, maxTitleBytes),
    body: truncateUtf8(notification.body, maxBodyBytes),
  };
}

/**
 * The collapse key of a conversation: 32 base64url characters of its SHA-256. Web Push's `Topic` allows
 * at most 32 base64url characters (RFC 8030 §5.4) and a conversation id need not fit, so every provider
 * uses this one derived key; 192 bits make two conversations sharing one practically impossible.
 */
export function collapseKey(conversationId: string): string {
  return createHash("sha256").update(conversationId).digest("base64url").slice(0, 32);
}

/** `text` cut to at most `maxBytes` of UTF-8 without splitting a character, with "…" when cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = "…";
  let end = maxBytes - Buffer.byteLength(ellipsis);
  const bytes = Buffer.from(text);
  // Step back over UTF-8 continuation bytes (10xxxxxx) so the cut falls between characters.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString() + ellipsis;
}
