import { formatSize, replyLine, type ShownAttachment, type ShownMessage, type ShownReaction, type ShownReply } from "@chat/client";

/**
 * The words a rich message shows in a terminal, for the scriptable commands and the interactive
 * client alike: the quoted parent of a reply, the text with "(edited)", a tombstone, a file line per
 * attachment and the reactions with their counts. Each takes `name` (user id to "@alice").
 */

/** What a deleted message shows instead of its text. */
export const tombstoneText = "message deleted";

/** Longest quoted preview of a parent, in characters. */
const quoteLength = 60;

/** "↪ @bob: lunch at noon?": the one-line quote of a reply's parent. */
export function quoteLine(reply: ShownReply, name: (id: string) => string): string {
  return `↪ ${reply.senderId ? name(reply.senderId) : `#${reply.seq}`}: ${oneLine(replyLine(reply), quoteLength)}`;
}

/** The text as it reads: "message deleted", or the text (or caption) with " (edited)". */
export function bodyText(m: Pick<ShownMessage, "deleted" | "text" | "editedAt">): string {
  if (m.deleted) return tombstoneText;
  return m.editedAt ? `${m.text}${m.text ? " " : ""}(edited)` : m.text;
}

/** "📎 plan.pdf · 2.3 MB · application/pdf" (and "1200×800" for an image). */
export function fileLine(a: ShownAttachment): string {
  const size = a.width > 0 && a.height > 0 ? ` · ${a.width}×${a.height}` : "";
  return `📎 ${a.fileName} · ${formatSize(a.size)} · ${a.contentType || "unknown type"}${size}`;
}

/** "👍 2  🎉 1" (with "*" after the ones I gave: `mine` is my user id). */
export function reactionsLine(reactions: readonly ShownReaction[], mine?: string): string {
  return reactions.filter((r) => r.count > 0).map((r) => `${r.emoji} ${r.count}${mine && r.userIds.includes(mine) ? "*" : ""}`).join("  ");
}

/** The first line of a text, cut to `max` characters. */
export function oneLine(text: string, max: number): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
