import { timestampMs } from "@bufbuild/protobuf/wkt";
import { type Message, SystemEventKind, type TextContent, UpdateKind } from "@chat/gen/chat/v1/message_pb.js";
import { mentions } from "./rich-text.ts";

/**
 * A message as every screen needs it, read once from the wire `Message` and its `content` oneof:
 * text with its mentions, files, a system event, a tombstone, "edited", the quoted parent of a
 * reply and the reactions. Update entries (edits, deletes, reactions) are never shown: they replace
 * the message they target (see {@link updateOf}).
 */

/** A file a message carries (`Attachment`), fetched over HTTP at `/v1/files/{id}`. */
export interface ShownAttachment {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
  width: number;
  height: number;
  hasThumbnail: boolean;
  sha256: string;
}

/** One emoji's reactions to a message. */
export interface ShownReaction {
  emoji: string;
  count: number;
  userIds: string[];
}

/** The quoted parent of a reply, as it is now (the server computes it when serving). */
export interface ShownReply {
  seq: bigint;
  senderId: string;
  /** The start of the parent's text or caption; empty when it was deleted or has none. */
  text: string;
  attachmentCount: number;
  deleted: boolean;
}

/** Something that happened to the conversation, written by the server ("alice added bob"). */
export interface ShownSystemEvent {
  kind: "created" | "added" | "removed" | "left";
  actorId: string;
  userIds: string[];
  groupName: string;
}

/** A message as a screen needs it. */
export interface ShownMessage {
  seq: bigint;
  senderId: string;
  clientMessageId: string;
  /** The text, or the caption of files; "" for a tombstone or a system event. */
  text: string;
  sentAt: Date;
  /** Members the text names ("@bob"), by user id, as the server found them. */
  mentionIds: string[];
  /** The text says "@all" (from a group admin). */
  mentionsAll: boolean;
  /** Set once the author edited it. */
  editedAt?: Date;
  /** Deleted for everyone: a tombstone that keeps its seq, sender and time. */
  deleted: boolean;
  /** The message it answers, when it is a reply. */
  replyTo?: ShownReply;
  reactions: ShownReaction[];
  attachments: ShownAttachment[];
  /** Set on a system event, which has no text and no author's words. */
  system?: ShownSystemEvent;
}

/** An update entry's effect: the message at `targetSeq` becomes `target`. */
export interface MessageUpdateOf {
  targetSeq: bigint;
  kind: "edited" | "deleted" | "reaction";
  /** The target as it is now; undefined only from a server that left it out. */
  target: ShownMessage | undefined;
}

const systemKinds: Partial<Record<SystemEventKind, ShownSystemEvent["kind"]>> = {
  [SystemEventKind.GROUP_CREATED]: "created",
  [SystemEventKind.MEMBERS_ADDED]: "added",
  [SystemEventKind.MEMBER_REMOVED]: "removed",
  [SystemEventKind.MEMBER_LEFT]: "left",
};

const updateKinds: Partial<Record<UpdateKind, MessageUpdateOf["kind"]>> = {
  [UpdateKind.EDITED]: "edited", [UpdateKind.DELETED]: "deleted", [UpdateKind.REACTION]: "reaction",
};

/** Reads a wire message (not an update entry: see {@link updateOf}) into what a screen shows. */
export function shownMessage(m: Message): ShownMessage {
  const content = m.content;
  const text: TextContent | undefined = content.case === "textContent" ? content.value : content.case === "attachmentContent" ? content.value.caption : undefined;
  const event = content.case === "systemEvent" ? content.value : undefined;
  const systemKind = event ? systemKinds[event.kind] : undefined;
  const deleted = m.deletedAt !== undefined;
  return {
    seq: m.seq,
    senderId: m.senderId,
    clientMessageId: m.clientMessageId,
    // `text` mirrors the text for old clients; a server from before `content` sets only it.
    text: deleted || event ? "" : (text?.text ?? m.text),
    sentAt: new Date(m.sentAt ? timestampMs(m.sentAt) : 0),
    mentionIds: (text?.mentions ?? []).filter((x) => !x.all && x.userId).map((x) => x.userId),
    mentionsAll: (text?.mentions ?? []).some((x) => x.all),
    ...(m.editedAt ? { editedAt: new Date(timestampMs(m.editedAt)) } : {}),
    deleted,
    ...(m.replyToSeq > 0n ? { replyTo: {
      seq: m.replyToSeq, senderId: m.replyPreview?.senderId ?? "", text: m.replyPreview?.text ?? "",
      attachmentCount: m.replyPreview?.attachmentCount ?? 0, deleted: m.replyPreview?.deleted ?? false,
    } } : {}),
    reactions: m.reactions.map((r) => ({ emoji: r.emoji, count: r.count, userIds: [...r.userIds] })),
    attachments: content.case === "attachmentContent" ? content.value.attachments.map((a) => ({
      id: a.id, fileName: a.fileName, contentType: a.contentType, size: Number(a.size), width: a.width, height: a.height, hasThumbnail: a.hasThumbnail, sha256: a.sha256,
    })) : [],
    ...(event && systemKind ? { system: { kind: systemKind, actorId: event.actorId, userIds: [...event.userIds], groupName: event.groupName } } : {}),
  };
}

/** The longest quoted preview, as the server cuts it (ReplyPreview.text). */
const previewChars = 200;

/** The quote a reply to `parent` shows, made from the parent as loaded (the server's rule). */
export function replyTo(parent: ShownMessage): ShownReply {
  return {
    seq: parent.seq, senderId: parent.senderId, text: parent.deleted ? "" : [...parent.text].slice(0, previewChars).join(""),
    attachmentCount: parent.deleted ? 0 : parent.attachments.length, deleted: parent.deleted,
  };
}

/** What an update entry does, or undefined when the message is not one. */
export function updateOf(m: Message): MessageUpdateOf | undefined {
  if (m.content.case !== "update") return undefined;
  const u = m.content.value;
  const target = u.target ? shownMessage(u.target) : undefined;
  return { targetSeq: u.targetSeq, kind: updateKinds[u.kind] ?? "edited", target };
}

/**
 * True when a message counts as unread for the reader: someone else's words. Update entries and
 * system events never count (the server's `unread_count` skips them too), nor do tombstones.
 */
export function countsAsUnread(m: Message, me: string): boolean {
  if (m.senderId === me || m.deletedAt !== undefined) return false;
  return m.content.case !== "update" && m.content.case !== "systemEvent";
}

/**
 * True when a message names the reader: a mention the server found (`@me`, or `@all` in a group),
 * or "@username" in its text. The text counts too because a server may carry `content` without
 * finding mentions (one from before mentions, or a node not yet upgraded in a rolling update), and
 * "@me" in a conversation I read can only be me.
 */
export function mentionsReader(m: Pick<ShownMessage, "mentionIds" | "mentionsAll" | "text">, me: string, username: string): boolean {
  return m.mentionsAll || m.mentionIds.includes(me) || (username !== "" && mentions(m.text, username));
}

/** "3.4 MB": a size for people (1024-based, like `ls -h`). */
export function formatSize(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** "photo.jpg", "photo.jpg and 2 more files". */
export function attachmentsLabel(attachments: readonly Pick<ShownAttachment, "fileName">[]): string {
  const [first, ...rest] = attachments;
  if (!first) return "";
  return rest.length === 0 ? first.fileName : `${first.fileName} and ${rest.length} more file${rest.length === 1 ? "" : "s"}`;
}

/**
 * One line for a message where there is room for no more (a conversation list, a notification):
 * its text, "📎 plan.pdf: caption", or "message deleted". System events have their own words
 * (`systemEventText`).
 */
export function messageSummary(m: Pick<ShownMessage, "text" | "deleted" | "attachments">): string {
  if (m.deleted) return "message deleted";
  if (m.attachments.length === 0) return m.text;
  return m.text ? `📎 ${attachmentsLabel(m.attachments)}: ${m.text}` : `📎 ${attachmentsLabel(m.attachments)}`;
}

/** The quoted line of a reply: the parent's start, "📎 2 files", or "message deleted". */
export function replyLine(r: ShownReply): string {
  if (r.deleted) return "message deleted";
  const files = r.attachmentCount > 0 ? `📎 ${r.attachmentCount === 1 ? "a file" : `${r.attachmentCount} files`}` : "";
  return [files, r.text].filter(Boolean).join(" ");
}
