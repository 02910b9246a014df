import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import type { PushQueue } from "../engines/push-queue/interface.ts";
import type { SessionMap } from "../engines/sessions/interface.ts";
import type { Store } from "../engines/store/interface.ts";
import { muteHolds } from "../engines/store/push-store.ts";
import { previewOf } from "./notification.ts";

/** A new countable message, stored and acknowledged: what the trigger decides pushes for. */
export interface SentMessage {
  conversationId: string;
  senderId: string;
  seq: number;
  /** The text or caption ("" for none). */
  text: string;
  /** Every member of the conversation when it was sent, the sender included. */
  memberIds: readonly string[];
  /** Members the text names as "@username". */
  mentionedUserIds: ReadonlySet<string>;
  /** True when the text says "@all" (from an admin or owner). */
  mentionsAll: boolean;
}

/** Options of {@link PushTrigger}. */
export interface PushTriggerOptions {
  queue: PushQueue;
  store: Pick<Store, "listMutes" | "listPushEndpoints" | "getPushSettings">;
  sessions: Pick<SessionMap, "presence">;
  /** Hears failures: a message whose pushes could not be enqueued (its members learn of it when they connect). */
  onError: (error: unknown) => void;
  /** Hears what the operator should see: a user's pending jobs at their bound. */
  log: (details: object, message: string) => void;
}

/**
 * Decides, once per new message and on the node that accepted it, whom to push: each member but the
 * sender with no connected device (the session map is the truth, cluster-wide), not do-not-disturb,
 * who has not muted the conversation (a mention by username goes through a mute; "@all" does not),
 * and who has at least one endpoint. Each gets the message enqueued (collapsing with their pending job
 * of the conversation); the text goes in only when their `show_previews` is on.
 *
 * Runs after the ACK and off the sender's path: its failures are logged, never the sender's.
 */
export class PushTrigger {
  /** Messages by outcome since start: enqueued per recipient, refused at a user's bound. */
  readonly counts = { enqueued: 0, full: 0 };
  private readonly options: PushTriggerOptions;

  constructor(options: PushTriggerOptions) {
    this.options = options;
  }

  /** Enqueues the pushes of a message in the background. */
  onSent(message: SentMessage): void {
    this.enqueue(message).catch((err: unknown) =>
      this.options.onError(new Error(`push: message ${message.conversationId}/${message.seq} not enqueued`, { cause: err })));
  }

  /** Enqueues the pushes of a message; resolves once they are in the queue. */
  async enqueue(message: SentMessage): Promise<void> {
    const { queue, store, sessions, log } = this.options;
    const others = [...new Set(message.memberIds)].filter((id) => id !== message.senderId);
    if (others.length === 0) return;
    const enqueuedAt = Date.now();
    const presence = await sessions.presence(others);
    const offline = presence.filter((p) => !p.online && p.status?.availability !== "busy").map((p) => p.userId);
    if (offline.length === 0) return;
    const now = new Date();
    const mutes = new Map((await store.listMutes(message.conversationId)).map((m) => [m.userId, m]));
    const wanted = offline.filter((id) => message.mentionedUserIds.has(id) || !muteHolds(mutes.get(id), now));
    await Promise.all(wanted.map(async (userId) => {
      const [endpoints, settings] = await Promise.all([store.listPushEndpoints(userId), store.getPushSettings(userId)]);
      if (endpoints.length === 0) return;
      const outcome = await queue.enqueue({
        userId, conversationId: message.conversationId, senderId: message.senderId, seq: message.seq, enqueuedAt,
        mention: message.mentionsAll || message.mentionedUserIds.has(userId),
        text: settings.showPreviews ? previewOf(message.text) : "",
      });
      if (outcome !== "full") {
        this.counts.enqueued++;
        return;
      }
      this.counts.full++;
      log({ userId, conversationId: message.conversationId }, "push: the user's pending notifications are at their bound; this message is not pushed");
    }));
  }
}

/** What the trigger needs of a message as the domain published it; undefined for what is never pushed. */
export function sentMessageOf(message: Message, memberIds: readonly string[]): SentMessage | undefined {
  const content = message.content;
  const text = content.case === "textContent" ? content.value : content.case === "attachmentContent" ? content.value.caption : undefined;
  if (content.case !== "textContent" && content.case !== "attachmentContent") return undefined; // system events, update entries
  const mentions = text?.mentions ?? [];
  return {
    conversationId: message.conversationId, senderId: message.senderId, seq: Number(message.seq), text: text?.text ?? "", memberIds,
    mentionedUserIds: new Set(mentions.filter((m) => !m.all).map((m) => m.userId)), mentionsAll: mentions.some((m) => m.all),
  };
}
