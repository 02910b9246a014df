import type { NewMessage } from "./interface.ts";

/** The member key under which "@all" mentions are indexed: no user id has this form. */
export const everyoneKey = "*";

/**
 * The keys a message's mentions are indexed under, in both stores: each member it names but the
 * sender (one's own messages are never unread), and {@link everyoneKey} for "@all".
 */
export function mentionKeys(m: NewMessage): string[] {
  if (!m.mentions) return [];
  return [...new Set(m.mentions.userIds.filter((id) => id !== m.senderId)), ...(m.mentions.all ? [everyoneKey] : [])];
}
