import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Message, MessageSchema, TextContentSchema } from "@chat/gen/chat/v1/message_pb.js";
import type { MessageRecord } from "../../engines/store/interface.ts";

/** What a message carries: the `Message.content` oneof. */
export type Content = Message["content"];

/**
 * The stored form of a content: `Message` protobuf bytes with only `content` set, so that a kind
 * added to the oneof later needs no new column. A plain text without mentions stores nothing (its
 * `text` column is all of it): the common send writes what it always did.
 */
export function encodeContent(content: Content): Uint8Array | undefined {
  if (content.case === "textContent" && content.value.mentions.length === 0) return undefined;
  return toBinary(MessageSchema, create(MessageSchema, { content }));
}

/** The content of a stored message: unset on a tombstone, the text alone for rows without content. */
export function decodeContent(record: MessageRecord): Content {
  if (record.deletedAt) return { case: undefined };
  if (record.content === undefined) return { case: "textContent", value: create(TextContentSchema, { text: record.text }) };
  return fromBinary(MessageSchema, record.content).content;
}

/** The text a content shows old clients in `Message.text`: the text or caption; "" for anything else. */
export function mirroredText(content: Content): string {
  if (content.case === "textContent") return content.value.text;
  if (content.case === "attachmentContent") return content.value.caption?.text ?? "";
  return "";
}

/** How many files a content carries. */
export function attachmentCount(content: Content): number {
  return content.case === "attachmentContent" ? content.value.attachments.length : 0;
}
