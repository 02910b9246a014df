import { fromBinary } from "@bufbuild/protobuf";
import { type Message, MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import { indexTerms } from "../../core/search/tokenize.ts";
import type { MessageRecord } from "./interface.ts";
import type { MessageSearch, SearchPosition } from "./message-search.ts";

/** What an attachment message carries, for `has:`: "image" when one of its files is an image, else "file". */
export type AttachmentKind = "file" | "image";

let warnedUndecodable = false;

/**
 * The attachment kind of a stored content (the encoded `Message` with only `content` set, see
 * core/messages/content.ts), or undefined for a message without files. A file is an image when its
 * sniffed content type is `image/*`.
 */
export function attachmentKindOf(content: Uint8Array | undefined): AttachmentKind | undefined {
  if (content === undefined) return undefined;
  let decoded: Message["content"];
  try {
    decoded = fromBinary(MessageSchema, content).content;
  } catch (err) {
    // The store keeps content opaque and must not fail a write over it: bytes that are not a Message
    // carry no file as far as `has:` knows. Said once per process, since it is the same cause each time.
    if (!warnedUndecodable) process.emitWarning(`message search: a content is not a Message (${(err as Error).message}); indexed as text only`);
    warnedUndecodable = true;
    return undefined;
  }
  if (decoded.case !== "attachmentContent" || decoded.value.attachments.length === 0) return undefined;
  return decoded.value.attachments.some((a) => a.contentType.startsWith("image/")) ? "image" : "file";
}

/**
 * Whether a message in its current state matches a search's words, prefixes and filters (not its
 * page position): the rule both stores agree on, which the cluster store also applies to each hit
 * its index proposes, so that an index row left behind by an edit, a delete or a fenced write is
 * never served. `countable` is false for system events and update entries.
 */
export function matchesMessageSearch(m: MessageRecord, countable: boolean, s: MessageSearch): boolean {
  if (!countable || m.deletedAt) return false;
  if (s.senderIds && !s.senderIds.includes(m.senderId)) return false;
  if (s.sentFrom && m.sentAt < s.sentFrom) return false;
  if (s.sentUntil && m.sentAt >= s.sentUntil) return false;
  if (s.has) {
    const kind = attachmentKindOf(m.content);
    if (!kind || (s.has === "image" && kind !== "image")) return false;
  }
  if (s.words.length === 0 && s.prefixes.length === 0) return true;
  const terms = indexTerms(m.text);
  const set = new Set(terms);
  return s.words.every((w) => set.has(w)) && s.prefixes.every((p) => terms.some((t) => t.startsWith(p)));
}

/**
 * Orders positions newest first (see {@link SearchPosition}): sentAt descending, then conversation id
 * descending, then seq descending. Negative when `a` comes first.
 */
export function compareSearchPositions(a: SearchPosition, b: SearchPosition): number {
  const bySentAt = b.sentAt.getTime() - a.sentAt.getTime();
  if (bySentAt !== 0) return bySentAt;
  if (a.conversationId !== b.conversationId) return a.conversationId < b.conversationId ? 1 : -1;
  return b.seq - a.seq;
}
