import type { NewMessage } from "./interface.ts";

/** The member key under which "@all" mentions are indexed: no user id has this form. */
export const everyoneKey = "*";

/** Whether a message counts as unread for others (and raises its sender's marks): not events or update entries. */
export function isCountable(m: NewMessage): boolean {
  return m.countable !== false && !m.change;
}

/**
 * Where a message's mentions are indexed, in both stores: at its own seq, or for an edit entry at
 * the edited message's (the mention is in the target's new text).
 */
export function mentionSeq(m: NewMessage, seq: number): number {
  return m.change?.kind === "edit" ? m.change.targetSeq : seq;
}

/**
 * The keys a message's mentions are indexed under, in both stores: each member it names but the
 * sender (one's own messages are never unread), and {@link everyoneKey} for "@all".
 */
export function mentionKeys(m: NewMessage): string[] {
  if (!m.mentions) return [];
  return [...new Set(m.mentions.userIds.filter((id) => id !== m.senderId)), ...(m.mentions.all ? [everyoneKey] : [])];
}
