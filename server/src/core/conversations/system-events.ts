import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { SystemEventKind } from "@chat/gen/chat/v1/message_pb.js";
import { type Store, StoreUnavailable } from "../../engines/store/interface.ts";
import { toMessage } from "../convert.ts";
import { unavailable } from "../errors.ts";
import type { Dispatcher } from "../live/dispatcher.ts";

/** What happened to a group, as its stream records it (chat.v1.SystemEvent). */
export interface GroupEvent {
  kind: SystemEventKind;
  /** Who did it: also the message's sender. */
  actorId: string;
  /** Whom it concerns. */
  userIds: readonly string[];
  /** The group's name, for a creation. */
  groupName?: string;
}

/**
 * Writes what happens to a group (created, members added, removed, left) into its stream as system
 * event messages: each gets a seq, reaches live streams and resuming devices like any message, and
 * is never unread (`countable: false`) nor a conversation's last message.
 *
 * An event's client message id is derived from `key`, which names the change itself (the members
 * and the joinedAt of their membership), so that a change recorded twice (a retried call that
 * reaches the append again, two nodes racing on the same change) is one message: the store's
 * dedupe returns the first.
 */
export class SystemEvents {
  private readonly store: Store;
  private readonly dispatcher: Dispatcher;

  constructor(store: Store, dispatcher: Dispatcher) {
    this.store = store;
    this.dispatcher = dispatcher;
  }

  /** Appends `event` to the conversation (once per `key`) and publishes it to `audience`. */
  async record(conversationId: string, event: GroupEvent, key: string, audience: readonly string[]): Promise<void> {
    const { message } = await this.store.appendMessage({
      conversationId, senderId: event.actorId, clientMessageId: systemMessageId(event.kind, key),
      text: "", sentAt: new Date(), countable: false,
    }).catch((err: unknown) => {
      throw err instanceof StoreUnavailable ? unavailable(err.message) : err;
    });
    await this.dispatcher.publish(audience, create(ServerFrameSchema, { frame: { case: "message", value: toMessage(message) } }));
  }
}

/** The client message id of an event: "system:" and a digest of what it records (64 characters at most). */
export function systemMessageId(kind: SystemEventKind, key: string): string {
  return `system:${createHash("sha256").update(`${kind}\u0000${key}`).digest("base64url")}`;
}
