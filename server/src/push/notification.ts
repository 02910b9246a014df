import type { PushJob } from "../engines/push-queue/interface.ts";
import type { Store } from "../engines/store/interface.ts";
import type { PushNotification } from "./providers/provider.ts";

/** What a notification says about a job: who wrote where, and the text only with previews on. */
export async function composeNotification(
  store: Pick<Store, "getUsers" | "getConversation" | "getPushSettings">, job: PushJob, ttlSeconds: number,
): Promise<PushNotification> {
  const [[sender], conversation, settings] = await Promise.all([
    store.getUsers([job.senderId]), store.getConversation(job.conversationId), store.getPushSettings(job.userId),
  ]);
  const who = sender ? sender.displayName || sender.username : "Someone";
  const title = conversation?.kind === "group" ? `${who} in #${conversation.name}` : who;
  // The setting as it is now: turned off since the enqueue, no text goes out.
  const preview = settings.showPreviews && job.text ? job.text : undefined;
  const body = preview ?? (job.count > 1 ? `${job.count} new messages` : job.mention ? "Mentioned you" : "New message");
  return { conversationId: job.conversationId, seq: job.seq, count: job.count, title, body, mention: job.mention, ttlSeconds };
}

/** Characters of message text a notification carries at most: payloads stay far below every service's 4 KB. */
export const maxPreviewChars = 200;

/** A message text cut for a notification, at a code point boundary, with an ellipsis when cut. */
export function previewOf(text: string): string {
  const chars = Array.from(text.replace(/\s+/g, " ").trim());
  return chars.length <= maxPreviewChars ? chars.join("") : `${chars.slice(0, maxPreviewChars - 1).join("")}…`;
}
