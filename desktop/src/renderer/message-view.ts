import {
  type ChatState, type ConversationState, displayName, formatSize, type PendingMessage, replyLine, type ShownAttachment, type ShownMessage,
  type ShownReply, systemEventText,
} from "@chat/client";

/**
 * What a message carries beyond its text, as the desktop draws it (issue 13): "edited", the
 * tombstone, the quoted parent of a reply, reaction chips, attachments, and the actions a person
 * may take on it. Pure functions of the state, tested in message-view.spec.ts.
 */

/** The emoji the picker offers: the ones every chat app puts first. */
export const pickerEmoji = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"] as const;

/** The quoted parent above a reply. */
export interface QuotedParent {
  seq: bigint;
  /** "@alice", or "you". */
  sender: string;
  /** The parent's start, "📎 a file", or "message deleted" (see `replyLine`). */
  text: string;
  deleted: boolean;
  /** The parent is loaded: a click scrolls to it. */
  loaded: boolean;
}

/** One reaction chip. */
export interface ReactionChip {
  emoji: string;
  count: number;
  /** I reacted with it: a click removes mine, else adds it. */
  mine: boolean;
  /** "@bob, you": who reacted, shown on hover. */
  who: string;
}

/** One attached file. */
export interface FileItem {
  id: string;
  fileName: string;
  /** "1.2 MB", or "uploaded" for a file of mine on its way. */
  size: string;
  contentType: string;
  /** For an image with a thumbnail: the box it is drawn in (reserved before it loads). */
  image: { width: number; height: number } | undefined;
}

/** The parts of a message drawn around its text. */
export interface MessageBody {
  deleted: boolean;
  edited: boolean;
  reply: QuotedParent | undefined;
  reactions: ReactionChip[];
  files: FileItem[];
}

/** What a person may do with a message. */
export interface MessageActions {
  reply: boolean;
  react: boolean;
  edit: boolean;
  delete: boolean;
}

/** An inline image is drawn at most this wide and this tall, in CSS pixels. */
const maxImage = { width: 320, height: 240 };

/** "you" for me, "@alice" for others. */
function who(state: ChatState, userId: string): string {
  return userId === state.me ? "you" : displayName(state, userId);
}

/** The body of a stored message. */
export function messageBody(state: ChatState, c: ConversationState, m: ShownMessage): MessageBody {
  return {
    deleted: m.deleted, edited: m.editedAt !== undefined && !m.deleted,
    reply: m.deleted ? undefined : quoted(state, c, m.replyTo),
    reactions: m.reactions.map((r) => ({
      emoji: r.emoji, count: r.count, mine: r.userIds.includes(state.me), who: r.userIds.map((id) => who(state, id)).join(", "),
    })),
    files: m.attachments.map(fileItem),
  };
}

/** The body of one of my messages still on its way (its reply quoted from what is loaded). */
export function pendingBody(state: ChatState, c: ConversationState, p: PendingMessage): MessageBody {
  const parent = p.replyToSeq ? c.messages.find((m) => m.seq === p.replyToSeq) : undefined;
  const reply = parent ? quoted(state, c, {
    seq: parent.seq, senderId: parent.senderId, text: parent.text, attachmentCount: parent.attachments.length, deleted: parent.deleted,
  }) : undefined;
  const files = (p.fileNames ?? []).map((fileName, i) => ({ id: `p${i}`, fileName, size: "uploaded", contentType: "", image: undefined }));
  return { deleted: false, edited: false, reply, reactions: [], files };
}

function quoted(state: ChatState, c: ConversationState, reply: ShownReply | undefined): QuotedParent | undefined {
  if (!reply) return undefined;
  const { seq } = reply;
  return { seq, sender: who(state, reply.senderId), text: replyLine(reply), deleted: reply.deleted, loaded: c.messages.some((m) => m.seq === seq) };
}

/** What I may do with a stored message: reply and react to any message that is not deleted; edit my texts; delete mine, or any as a group's admin. */
export function messageActions(state: ChatState, c: ConversationState, m: ShownMessage): MessageActions {
  if (m.deleted || m.system) return { reply: false, react: false, edit: false, delete: false };
  const own = m.senderId === state.me;
  return {
    reply: true, react: true, edit: own && (m.text !== "" || m.attachments.length === 0),
    delete: own || (c.kind === "group" && c.admins.includes(state.me)),
  };
}

/** The line a system event shows, or undefined for a message people wrote. */
export function systemText(state: ChatState, m: ShownMessage): string | undefined {
  return m.system ? systemEventText(state, m.system) : undefined;
}

function fileItem(a: ShownAttachment): FileItem {
  return {
    id: a.id, fileName: a.fileName, size: formatSize(a.size), contentType: a.contentType,
    image: a.hasThumbnail && a.width > 0 && a.height > 0 ? imageBox(a.width, a.height) : undefined,
  };
}

/** An image's size scaled down (never up) to fit the inline box, keeping its shape. */
export function imageBox(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, maxImage.width / width, maxImage.height / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
