import { create } from "@bufbuild/protobuf";
import { ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { Caller } from "../caller.ts";
import type { Membership } from "../conversations/membership.ts";
import type { Dispatcher } from "../live/dispatcher.ts";

/**
 * Typing indicators: ephemeral, never stored, only for the other members. An indicator ends when its
 * author says so, sends a message, or stays silent for `ttlMs` (the server then says it stopped).
 */
export class Typing {
  private readonly membership: Membership;
  private readonly dispatcher: Dispatcher;
  private readonly ttlMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly active = new Map<string, NodeJS.Timeout>();

  /** `onError` hears a stop that could not be published (no client is waiting for it). */
  constructor(membership: Membership, dispatcher: Dispatcher, ttlMs: number, onError: (error: unknown) => void) {
    this.membership = membership;
    this.dispatcher = dispatcher;
    this.ttlMs = ttlMs;
    this.onError = onError;
  }

  /** Starts (or refreshes) or stops the caller's indicator in a conversation. */
  async set(caller: Caller, conversationId: string, typing: boolean): Promise<void> {
    await this.membership.require(conversationId, caller.userId);
    const key = `${conversationId}/${caller.userId}`;
    clearTimeout(this.active.get(key));
    this.active.delete(key);
    if (typing) {
      this.active.set(key, setTimeout(() => void this.stop(caller.userId, conversationId).catch(this.onError), this.ttlMs).unref());
    }
    await this.publish(caller.userId, conversationId, typing);
  }

  /** Ends the caller's indicator, if any, because they sent a message. */
  sent(caller: Caller, conversationId: string): void {
    if (this.active.has(`${conversationId}/${caller.userId}`)) void this.stop(caller.userId, conversationId).catch(this.onError);
  }

  /** Cancels every timer (on shutdown). */
  close(): void {
    for (const t of this.active.values()) clearTimeout(t);
    this.active.clear();
  }

  private async stop(userId: string, conversationId: string): Promise<void> {
    const key = `${conversationId}/${userId}`;
    clearTimeout(this.active.get(key));
    this.active.delete(key);
    await this.publish(userId, conversationId, false);
  }

  private async publish(userId: string, conversationId: string, typing: boolean): Promise<void> {
    const others = (await this.membership.members(conversationId)).map((m) => m.userId).filter((id) => id !== userId);
    await this.dispatcher.publish(others, create(ServerFrameSchema, {
      frame: { case: "typing", value: { conversationId, userId, typing, expiresInMs: typing ? this.ttlMs : 0 } },
    }));
  }
}
