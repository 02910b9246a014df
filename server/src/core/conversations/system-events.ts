import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { type SystemEventKind, SystemEventSchema } from "@chat/gen/chat/v1/message_pb.js";
import type { Messages } from "../messages/messages.ts";

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
 * event messages, through the append path of every message (Messages.append): each gets a seq,
 * reaches live streams and resuming devices like any message, and is never unread nor a
 * conversation's last message (see unreadIndexOf).
 *
 * An event's client message id is derived from `key`, which names the change itself (the members
 * and the joinedAt of their membership), so that a change recorded twice (a retried call that
 * reaches the append again, two calls racing on the same change) is one message: the store's
 * dedupe returns the first.
 */
export class SystemEvents {
  private readonly messages: Messages;

  constructor(messages: Messages) {
    this.messages = messages;
  }

  /** Appends `event` to the conversation (once per `key`), publishes it to `audience`; its seq. */
  async record(conversationId: string, event: GroupEvent, key: string, audience: readonly string[]): Promise<number> {
    const { ack } = await this.messages.append({
      conversationId, senderId: event.actorId, clientMessageId: systemMessageId(event.kind, key),
      content: { case: "systemEvent", value: create(SystemEventSchema, {
        kind: event.kind, actorId: event.actorId, userIds: [...event.userIds], groupName: event.groupName ?? "",
      }) },
    }, audience);
    return Number(ack.seq);
  }
}

/** The client message id of an event: "system:" and a digest of what it records (64 characters at most). */
export function systemMessageId(kind: SystemEventKind, key: string): string {
  return `system:${createHash("sha256").update(`${kind}\u0000${key}`).digest("base64url")}`;
}
