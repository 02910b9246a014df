import { displayName } from "@chat/client";
import type { ConversationState, ViewState } from "./view-model.ts";

/**
 * `/seen`: how far my newest message got with each other member, by name ("read by @bob, @carol ·
 * delivered to @dave · not yet @erin"): in a group the ✓✓ alone does not say who.
 */
export function seenBy(state: ViewState, c: ConversationState): string {
  const mine = c.messages.findLast((m) => m.senderId === state.me);
  if (!mine) return "you have not written here yet";
  const others = c.memberIds.filter((id) => id !== state.me);
  const group = (test: (id: string) => boolean) => others.filter(test).map((id) => displayName(state, id));
  const read = group((id) => (c.marks[id]?.read ?? 0n) >= mine.seq);
  const delivered = group((id) => (c.marks[id]?.read ?? 0n) < mine.seq && (c.marks[id]?.delivered ?? 0n) >= mine.seq);
  const waiting = group((id) => (c.marks[id]?.delivered ?? 0n) < mine.seq);
  const parts = [read.length ? `read by ${read.join(", ")}` : "", delivered.length ? `delivered to ${delivered.join(", ")}` : "", waiting.length ? `not yet ${waiting.join(", ")}` : ""];
  return `your latest message: ${parts.filter(Boolean).join(" · ") || "nobody else is here"}`;
}
