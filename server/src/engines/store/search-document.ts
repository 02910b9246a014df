import { fromBinary } from "@bufbuild/protobuf";
import { type Attachment, type Message, MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
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
  const files = attachmentsOf(content);
  return {
    terms: indexTerms(text),
    hasFile: files.length > 0,
    hasImage: files.some((f) => f.contentType.startsWith("image/")),
  };
}

/**
 * The attachments of a stored content: the domain's encoding (a Message with only `content` set,
 * core/messages/content.ts), of which only attachment messages carry files; a plain text stores none.
 * The store's own contract holds content opaque, so bytes that are no Message (the store contract
 * suites write such) are a message without files: found by its words, never by has:.
 */
function attachmentsOf(content: Uint8Array | undefined): Attachment[] {
  if (content === undefined) return [];
  let decoded: Message["content"];
  try {
    decoded = fromBinary(MessageSchema, content).content;
  } catch {
    return [];
  }
  return decoded.case === "attachmentContent" ? decoded.value.attachments : [];
}
