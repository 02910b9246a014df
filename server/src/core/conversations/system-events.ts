import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { SystemEventKind, SystemEventSchema } from "@chat/gen/chat/v1/message_pb.js";
import type { MemberRecord, Store } from "../../engines/store/interface.ts";
import { decodeContent } from "../messages/content.ts";
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
  private readonly store: Store;

  /** `messages` appends the events; `store` reads the newest messages when looking for a missing one. */
  constructor(messages: Messages, store: Store) {
    this.messages = messages;
    this.store = store;
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

  /**
   * Of `members` (already in the group, asked to be added again), those whose MEMBERS_ADDED event is
   * missing: an AddMembers that stored them failed before writing it, and this is the retry. The
   * members and the event are two writes (on Scylla in different partitions, the event through the
   * conversation's sequencer), so the retry completes the pair. Only members who joined within
   * {@link addRetryWindowMs} (founders excepted: theirs is GROUP_CREATED) are looked for, among the
   * newest {@link addScanLimit} messages; when those do not reach back to the join, the event is
   * taken as written (a busy group's retry is the rare case that stays unrepaired).
   */
  async unannounced(conversationId: string, members: readonly MemberRecord[], createdAt: Date): Promise<MemberRecord[]> {
    const now = Date.now();
    const recent = members.filter((m) => now - m.joinedAt.getTime() < addRetryWindowMs && m.joinedAt.getTime() !== createdAt.getTime());
    if (recent.length === 0) return [];
    const since = Math.min(...recent.map((m) => m.joinedAt.getTime()));
    const newest = await this.store.listMessages(conversationId, { limit: addScanLimit, order: "desc" });
    const reached = newest.length < addScanLimit || newest.some((r) => r.sentAt.getTime() < since);
    if (!reached) return [];
    // Each MEMBERS_ADDED event since the earliest join: whom it added, and when (it is written after the members).
    const added = newest.filter((r) => r.sentAt.getTime() >= since).flatMap((r) => {
      const content = decodeContent(r);
      return content.case === "systemEvent" && content.value.kind === SystemEventKind.MEMBERS_ADDED ? [{ userIds: content.value.userIds, at: r.sentAt.getTime() }] : [];
    });
    return recent.filter((m) => !added.some((e) => e.at >= m.joinedAt.getTime() && e.userIds.includes(m.userId)));
  }
}

/** How long after an AddMembers its retry may still find the members' event missing and write it. */
export const addRetryWindowMs = 10 * 60_000;
/** The most messages read when looking for a missing MEMBERS_ADDED event. */
export const addScanLimit = 200;

/** The client message id of an event: "system:" and a digest of what it records (64 characters at most). */
export function systemMessageId(kind: SystemEventKind, key: string): string {
  return `system:${createHash("sha256").update(`${kind}\u0000${key}`).digest("base64url")}`;
}
