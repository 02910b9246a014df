import type { SearchPosition } from "../../engines/store/message-search.ts";
import { invalidArgument } from "../errors.ts";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Longest token this server gives (a version, a time, a UUID and a seq), with room to spare. */
const maxTokenLength = 128;

/**
 * A search page token: the position of the last hit a page read, "v1.<ms>.<conversation>.<seq>" in
 * base64url, so that clients treat it as opaque and the next page starts right after it.
 */
export function encodePageToken(p: SearchPosition): string {
  return Buffer.from(`v1.${p.sentAt.getTime()}.${p.conversationId}.${p.seq}`, "utf8").toString("base64url");
}

/** The position a page token holds; InvalidArgument for anything this server did not give. */
export function decodePageToken(token: string): SearchPosition {
  const malformed = () => invalidArgument("page_token is not one this server gave; start again without it");
  if (token.length > maxTokenLength || !/^[A-Za-z0-9_-]+$/.test(token)) throw malformed();
  const [version, ms, conversationId, seq, ...rest] = Buffer.from(token, "base64url").toString("utf8").split(".");
  if (version !== "v1" || rest.length > 0 || !/^\d{1,15}$/.test(ms ?? "") || !/^[1-9]\d{0,15}$/.test(seq ?? "")) throw malformed();
  if (!uuidPattern.test(conversationId ?? "")) throw malformed();
  return { sentAt: new Date(Number(ms)), conversationId: conversationId!, seq: Number(seq) };
}
