import { fromBinary } from "@bufbuild/protobuf";
import { type Message, MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import { indexTerms } from "../../core/search/tokenize.ts";
import type { NewMessage } from "./interface.ts";
import { isCountable } from "./unread-index.ts";

/**
 * What a store indexes for one message (see MessageSearchStore): its words and what its filters
 * need. Both stores derive it here, from what they write, so that they find exactly the same messages.
 */
export interface SearchDocument {
  /** The distinct folded words of its text or caption (core/search/tokenize.ts); empty for none. */
  terms: string[];
  /** It carries at least one attachment. */
  hasFile: boolean;
  /** It carries at least one image (an attachment whose sniffed type is image/*). */
  hasImage: boolean;
}

/**
 * The document of a message as appended, or undefined when it is never found: system events and
 * update entries (not countable). `text` is the text or the caption (the store's mirrored column).
 */
export function searchDocumentOf(m: NewMessage): SearchDocument | undefined {
  if (!isCountable(m)) return undefined;
  return documentOf(m.text, m.content);
}

/** The document of a message after an edit gave it this text and content. */
export function editedDocument(text: string, content: Uint8Array | undefined): SearchDocument {
  return documentOf(text, content);
}

function documentOf(text: string, content: Uint8Array | undefined): SearchDocument {
  // Content is the domain's encoding (a Message with only `content` set, core/messages/content.ts);
  // only attachment messages carry files, and a plain text stores no content at all.
  const decoded = content === undefined ? undefined : decodedContent(content);
  const files = decoded?.case === "attachmentContent" ? decoded.value.attachments : [];
  return {
    terms: indexTerms(text),
    hasFile: files.length > 0,
    hasImage: files.some((f) => f.contentType.startsWith("image/")),
  };
}

let warnedUndecodable = false;

/**
 * A stored content decoded, or undefined when the bytes are not a Message: the store keeps content
 * opaque and must not fail a write over it (the store contract suites store arbitrary bytes), so such
 * a message is indexed by its text alone. Said once per process, since it is the same cause each time.
 */
function decodedContent(content: Uint8Array): Message["content"] | undefined {
  try {
    return fromBinary(MessageSchema, content).content;
  } catch (err) {
    if (!warnedUndecodable) process.emitWarning(`message search: a stored content is not a Message (${(err as Error).message}); indexed by its text alone`);
    warnedUndecodable = true;
    return undefined;
  }
}
