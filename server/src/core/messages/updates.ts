import { create } from "@bufbuild/protobuf";
import {
  type DeleteMessageRequest, type EditMessageRequest, type SendMessageResponse, SendMessageResponseSchema, type SetReactionRequest,
} from "@chat/gen/chat/v1/live_pb.js";
import { type Message, MessageUpdateSchema, UpdateKind } from "@chat/gen/chat/v1/message_pb.js";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MemberRecord, MentionRecord, MessageRecord, Store, TargetChange, UpdateRefusal } from "../../engines/store/interface.ts";
import { unreadIndexOf } from "../mentions/mentions.ts";
import type { Caller } from "../caller.ts";
import type { Membership } from "../conversations/membership.ts";
import { failedPrecondition, invalidArgument, notFound, permissionDenied, resourceExhausted } from "../errors.ts";
import type { Throttle } from "../limits/throttle.ts";
import { limits, requireClientMessageId, requireText } from "../validate.ts";
import { type Content, decodeContent, encodeContent } from "./content.ts";
import { ackOf, type Messages } from "./messages.ts";
import type { AttachmentClaims } from "./attachment-claims.ts";

/** Limits of reactions. */
export const reactionLimits = {
  /** Distinct emoji one message may carry. */
  maxDistinctEmoji: 20,
  /** Bytes of one emoji (a flag or a family sequence is several code points). */
  maxEmojiBytes: 32,
} as const;

/**
 * What an edit, delete or reaction resolves (the fields of EditMessageResponse, DeleteMessageResponse
 * and SetReactionResponse): its ACK and the changed message as it is now.
 */
export interface Updated {
  ack: SendMessageResponse;
  message: Message | undefined;
}

/**
 * Edits, deletes and reactions: each is an update entry of the conversation's stream, with its own
 * seq, stored through the same sequencer as a send (idempotent by client_message_id) and applied to
 * its target in the same durable write; the store judges it against the target's state at its turn
 * (a delete racing an edit), the checks here give the precise error first. The entry is published
 * to every member with its target as it is now.
 */
export class MessageUpdates {
  private readonly store: Store;
  private readonly membership: Membership;
  private readonly messages: Messages;
  private readonly throttle: Throttle;

  private readonly files: AttachmentClaims | undefined;

  constructor(store: Store, membership: Membership, messages: Messages, throttle: Throttle, files?: AttachmentClaims) {
    this.store = store;
    this.membership = membership;
    this.messages = messages;
    this.throttle = throttle;
    this.files = files;
  }

  /** Changes the text (or caption) of one of the caller's own messages. */
  async edit(caller: Caller, req: EditMessageRequest): Promise<Updated> {
    requireClientMessageId(req.clientMessageId);
    const seq = requireSeq(req.seq);
    const members = await this.membership.require(req.conversationId, caller.userId);
    const target = await this.target(req.conversationId, seq);
    if (target.senderId !== caller.userId) throw permissionDenied(`message ${seq} is not yours: only its author edits a message`);
    if (target.deletedAt) throw failedPrecondition(`message ${seq} was deleted`);
    const content = await this.edited(decodeContent(target), req.text, caller.userId, members);
    await this.throttle.take("editPerUser", caller.userId, "edits from you");
    await this.messages.takeSend(caller, req.conversationId);
    return this.apply(caller, req.clientMessageId, members, { kind: UpdateKind.EDITED },
      { kind: "edit", targetSeq: seq, text: req.text, content: encodeContent(content), at: new Date() }, req.conversationId,
      unreadIndexOf(content).mentions);
  }

  /** Deletes a message for everyone: its author, or a group's admin or owner. */
  async delete(caller: Caller, req: DeleteMessageRequest): Promise<Updated> {
    requireClientMessageId(req.clientMessageId);
    const seq = requireSeq(req.seq);
    const members = await this.membership.require(req.conversationId, caller.userId);
    const target = await this.target(req.conversationId, seq);
    const me = members.find((m) => m.userId === caller.userId)!;
    if (target.senderId !== caller.userId && me.role === "member") {
      throw permissionDenied(`message ${seq} is not yours: only its author or a group admin deletes a message`);
    }
    const deleted = target.deletedAt ? await this.unchanged(target, req.clientMessageId) : await this.deleteNow(caller, req, members, seq);
    // Its files go with it; again on a retry, which is how a delete whose erasure failed finishes it.
    await this.files?.erase(req.conversationId, seq);
    return deleted;
  }

  private async deleteNow(caller: Caller, req: DeleteMessageRequest, members: readonly MemberRecord[], seq: number): Promise<Updated> {
    await this.messages.takeSend(caller, req.conversationId);
    return this.apply(caller, req.clientMessageId, members, { kind: UpdateKind.DELETED },
      { kind: "delete", targetSeq: seq, at: new Date() }, req.conversationId);
  }

  /** Adds or removes the caller's reaction; setting what is set already changes nothing. */
  async react(caller: Caller, req: SetReactionRequest): Promise<Updated> {
    requireClientMessageId(req.clientMessageId);
    const seq = requireSeq(req.seq);
    const emoji = requireEmoji(req.emoji);
    const members = await this.membership.require(req.conversationId, caller.userId);
    const target = await this.target(req.conversationId, seq);
    if (target.deletedAt) throw failedPrecondition(`message ${seq} was deleted`);
    const carried = target.reactions ?? [];
    const mine = carried.find((r) => r.emoji === emoji)?.userIds.includes(caller.userId) ?? false;
    if (mine === req.reacted) return this.unchanged(target, req.clientMessageId);
    if (req.reacted && !carried.some((r) => r.emoji === emoji) && carried.length >= reactionLimits.maxDistinctEmoji) {
      throw tooManyEmoji(seq);
    }
    await this.messages.takeSend(caller, req.conversationId);
    return this.apply(caller, req.clientMessageId, members, { kind: UpdateKind.REACTION, emoji, reacted: req.reacted },
      { kind: "reaction", targetSeq: seq, emoji, reacted: req.reacted, maxEmoji: reactionLimits.maxDistinctEmoji }, req.conversationId);
  }

  /** A message one may change: NotFound when there is none at `seq`; FailedPrecondition for an update entry or system event. */
  private async target(conversationId: string, seq: number): Promise<MessageRecord> {
    const [target] = await this.store.getMessages(conversationId, [seq]);
    if (!target) throw notFound(`message ${seq} not found in this conversation`);
    const kind = decodeContent(target).case;
    if (kind === "update") throw failedPrecondition(`seq ${seq} is an edit, delete or reaction entry, not a message`);
    if (kind === "systemEvent") throw failedPrecondition(`seq ${seq} is a system event, which nobody changes`);
    return target;
  }

  /** The content after an edit: the new text (with its mentions), or the new caption of the same files. */
  private async edited(content: Content, text: string, senderId: string, members: readonly MemberRecord[]): Promise<Content> {
    if (content.case === "attachmentContent") {
      const bytes = Buffer.byteLength(text, "utf8");
      if (bytes > limits.maxTextBytes) throw invalidArgument(`caption is ${bytes} bytes; the limit is ${limits.maxTextBytes} bytes (64 KiB)`);
      return { case: "attachmentContent", value: { ...content.value, caption: await this.messages.textContent(text, senderId, members) } };
    }
    requireText(text);
    return { case: "textContent", value: await this.messages.textContent(text, senderId, members) };
  }

  /**
   * Stores an update entry, publishes it with its target as it is now, and answers with both.
   * `mentions` are an edit's new mentions, indexed at the edited message for unread counts.
   */
  private async apply(caller: Caller, clientMessageId: string, members: readonly MemberRecord[],
    update: { kind: UpdateKind; emoji?: string; reacted?: boolean }, change: TargetChange, conversationId: string,
    mentions?: MentionRecord): Promise<Updated> {
    const result = await this.messages.stored(this.store.appendUpdate({
      conversationId, senderId: caller.userId, clientMessageId, text: "", sentAt: new Date(), change, ...(mentions ? { mentions } : {}),
      content: encodeContent({ case: "update", value: create(MessageUpdateSchema, { ...update, targetSeq: BigInt(change.targetSeq) }) }),
    }));
    if (result.refused === "deleted" && change.kind === "delete") {
      // Someone deleted it first: deleting again is a no-op that answers with the tombstone.
      return this.unchanged((await this.store.getMessages(conversationId, [change.targetSeq]))[0]!, clientMessageId);
    }
    if (result.refused) throw refusalError(result.refused, change.targetSeq);
    const entry = await this.messages.current.one(result.message);
    await this.messages.publish(members.map((m) => m.userId), entry);
    return { ack: ackOf(result.message), message: entry.content.case === "update" ? entry.content.value.target : undefined };
  }

  /** The answer to a change that changes nothing: the message as it is, and the newest entry that made it so. */
  private async unchanged(target: MessageRecord, clientMessageId: string): Promise<Updated> {
    return {
      ack: create(SendMessageResponseSchema, {
        conversationId: target.conversationId, clientMessageId, seq: BigInt(target.lastUpdateSeq || target.seq),
        sentAt: timestampFromDate(target.deletedAt ?? target.editedAt ?? target.sentAt),
      }),
      message: await this.messages.current.one(target),
    };
  }
}

/** Checks a message seq of a request. */
function requireSeq(seq: bigint): number {
  if (seq <= 0n) throw invalidArgument("seq is required (the seq of the message to change)");
  if (seq > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument(`seq ${seq} is out of range`);
  return Number(seq);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const emojiLike = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;

/** Checks a reaction: one emoji (one character or sequence, a single grapheme), at most 32 bytes. */
export function requireEmoji(emoji: string): string {
  if (!emoji) throw invalidArgument("emoji is required");
  const bytes = Buffer.byteLength(emoji, "utf8");
  if (bytes > reactionLimits.maxEmojiBytes) throw invalidArgument(`emoji is ${bytes} bytes; the limit is ${reactionLimits.maxEmojiBytes}`);
  const count = [...graphemes.segment(emoji)].length;
  if (count !== 1 || !emojiLike.test(emoji)) throw invalidArgument(`"${emoji}" is not one emoji`);
  return emoji;
}

const tooManyEmoji = (seq: number) =>
  resourceExhausted(`message ${seq} carries ${reactionLimits.maxDistinctEmoji} different emoji already; react with one of those`);

/** The precise error of a change the store refused (a race the checks above could not see). */
function refusalError(refused: UpdateRefusal, seq: number): Error {
  switch (refused) {
    case "missing": return notFound(`message ${seq} not found in this conversation`);
    case "deleted": return failedPrecondition(`message ${seq} was deleted`);
    case "notAuthor": return permissionDenied(`message ${seq} is not yours: only its author edits a message`);
    case "tooManyReactions": return tooManyEmoji(seq);
  }
}
