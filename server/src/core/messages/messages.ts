import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type SendMessageRequest, type SendMessageResponse, SendMessageResponseSchema, ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  AttachmentContentSchema, Direction, type ListMessagesRequest, type Message, MentionSchema, type TextContent, TextContentSchema,
} from "@chat/gen/chat/v1/message_pb.js";
import { type MemberRecord, type MessageRecord, type Store, StoreUnavailable } from "../../engines/store/interface.ts";
import type { Throttle } from "../limits/throttle.ts";
import type { Caller } from "../caller.ts";
import type { Membership } from "../conversations/membership.ts";
import { failedPrecondition, invalidArgument, notFound, unavailable, unimplemented } from "../errors.ts";
import type { Dispatcher } from "../live/dispatcher.ts";
import { limits, requireClientMessageId, requireText } from "../validate.ts";
import { activeTracer, inSpanUntil } from "../../observability/tracing.ts";
import { type Content, decodeContent, encodeContent, mirroredText } from "./content.ts";
import { CurrentState } from "./current-state.ts";
import type { AttachmentClaims, ClaimingMessage } from "./attachment-claims.ts";
import { findMentions, unreadIndexOf } from "../mentions/mentions.ts";

/** A send that passed validation and is queued for the store, in the order it was accepted. */
export interface AcceptedSend {
  /** Resolves with the ACK once the message is durable; it is published after (the ACK does not wait for the fan-out). */
  ack: Promise<SendMessageResponse>;
}

/**
 * A new message of any kind but an update entry (those are MessageUpdates'): what {@link Messages.append}
 * takes from sends, system events and attachment messages alike.
 */
export interface NewEntry {
  conversationId: string;
  /** The author; for a system event, the actor. */
  senderId: string;
  /** Makes the append idempotent per sender: a retry with the same id stores nothing new. */
  clientMessageId: string;
  /** `textContent`, `attachmentContent` or `systemEvent`. */
  content: Content;
  /** The seq replied to, already checked to exist ({@link Messages.parentOf}); 0 or unset for none. */
  replyToSeq?: number;
}

/** A new message as sent, for what follows a send ({@link Messages.onSent}). */
export interface SentEntry {
  /** The message as it was published. */
  message: Message;
  /** The conversation's members when it was sent, the sender included. */
  memberIds: readonly string[];
}

/** A message once durable, not yet published. */
interface StoredEntry {
  ack: SendMessageResponse;
  record: MessageRecord;
  /** True when an earlier append with its client id had stored it. */
  duplicate: boolean;
}

/** A message once durable and published. */
export interface AppendedEntry {
  ack: SendMessageResponse;
  /** The message as it was published. */
  message: Message;
  /** True when an earlier append with its client id had stored it. */
  duplicate: boolean;
}

/**
 * Sending and reading messages. A message is durable before its ACK and before anyone sees it; a
 * retried send with the same client id gets the first ACK back, and publishes the same message again.
 */
export class Messages {
  private readonly store: Store;
  private readonly membership: Membership;
  private readonly dispatcher: Dispatcher;
  private readonly throttle: Throttle;
  /** Messages as served (update targets, reply previews). */
  readonly current: CurrentState;
  /** Sends since start by outcome (for /metrics): stored new, a retry of a stored one, refused as unavailable. */
  readonly counts = { stored: 0, duplicate: 0, unavailable: 0 };
  /**
   * Called once after a new message is stored and acknowledged, on the node that accepted it, not for
   * a retry's duplicate (typing indicators end when their author sends; push notifications go out).
   */
  onSent: (caller: Caller, conversationId: string, sent: SentEntry) => void = () => {};
  /** Hears a send that was stored and acknowledged but could not be published (its members catch up from the store). */
  onError: (error: unknown) => void = () => {};

  private readonly attachments: AttachmentClaims | undefined;

  constructor(store: Store, membership: Membership, dispatcher: Dispatcher, throttle: Throttle, attachments?: AttachmentClaims) {
    this.store = store;
    this.membership = membership;
    this.dispatcher = dispatcher;
    this.throttle = throttle;
    this.attachments = attachments;
    this.current = new CurrentState(store);
  }

  /**
   * Validates and authorizes a send, then queues it for the store. Resolves as soon as it is queued,
   * so that a stream can accept its next frame while this one commits, in order.
   */
  accept(caller: Caller, req: SendMessageRequest): Promise<AcceptedSend> {
    // A span of its own, until the ACK: a send on a stream has no RPC span around it. The closure
    // lives in its own method, so that tracing off allocates nothing per message.
    return activeTracer() ? this.acceptTraced(caller, req) : this.acceptNow(caller, req);
  }

  private acceptTraced(caller: Caller, req: SendMessageRequest): Promise<AcceptedSend> {
    return inSpanUntil("chat.send", () => this.acceptNow(caller, req), (accepted) => accepted.ack);
  }

  private async acceptNow(caller: Caller, req: SendMessageRequest): Promise<AcceptedSend> {
    requireClientMessageId(req.clientMessageId);
    if (req.attachmentIds.length === 0) requireText(req.text);
    const members = await this.membership.require(req.conversationId, caller.userId);
    // Members only: a stranger's sends must not drain a conversation's bucket.
    await this.takeSend(caller, req.conversationId);
    // Read only for a reply: a plain send reads nothing more than it did. Before composing, which
    // claims the send's files: nothing may refuse the send between the claim and the append.
    const parent = req.replyToSeq > 0n ? await this.parentOf(req.conversationId, req.replyToSeq) : undefined;
    const content = await this.compose(caller, req, members);
    const stored = this.withAttachments(req, caller, this.storeEntry({
      conversationId: req.conversationId, senderId: caller.userId, clientMessageId: req.clientMessageId,
      content, replyToSeq: parent?.seq ?? 0,
    }));
    const ack = stored.then((entry) => entry.ack);
    // The ACK waits for durability only, not for the fan-out's session-map lookup (a round trip to
    // Redis in a cluster, behind a busy event loop). The fan-out starts from the same promise as the
    // stream's reply, registered before it, and its first delivery waits on the lookup: so the
    // sender's own stream always gets the ACK before the message frame (messaging.spec.ts).
    ack.then(async () => {
      const entry = await stored;
      const memberIds = members.map((m) => m.userId);
      const message = await this.publishStored(entry, memberIds, parent);
      if (!entry.duplicate) this.onSent(caller, req.conversationId, { message, memberIds });
    }, () => {} /* the sender gets the failure as its answer, and nothing was stored to publish */).catch((err: unknown) => {
      // Durable and acknowledged: the members' streams fill the gap from the store at the next message or resume.
      this.onError(new Error(`message ${req.clientMessageId} in ${req.conversationId} stored but not published`, { cause: err }));
    });
    return { ack };
  }

  /** Sends and waits for the ACK (the unary path). */
  async send(caller: Caller, req: SendMessageRequest): Promise<SendMessageResponse> {
    return (await this.accept(caller, req)).ack;
  }

  /** Takes a send's tokens (every new seq, update entries included, costs one). */
  async takeSend(caller: Caller, conversationId: string): Promise<void> {
    await this.throttle.take("sendPerUser", caller.userId, "messages from you");
    await this.throttle.take("sendPerConversation", conversationId, "messages in this conversation");
  }

  /**
   * What a send carries: its text with the mentions it makes, or (with attachment_ids) its files
   * with the text as caption. The place where mentions (parsed against `members`) and attachments
   * (resolved from the caller's uploads) are filled in.
   */
  private async compose(caller: Caller, req: SendMessageRequest, members: readonly MemberRecord[]): Promise<Content> {
    if (req.attachmentIds.length === 0) return { case: "textContent", value: await this.textContent(req.text, caller.userId, members) };
    if (!this.attachments) throw unimplemented("attachment_ids: this server does not take attachments");
    if (req.text) requireText(req.text);
    const caption = await this.textContent(req.text, caller.userId, members);
    // Last: nothing may refuse the send between this claim and the append (withAttachments).
    const attachments = await this.attachments.claim(claimOf(caller, req), req.attachmentIds);
    return { case: "attachmentContent", value: create(AttachmentContentSchema, { attachments, caption }) };
  }

  /**
   * A send's files follow its append: bound to the seq it got (a retry binds again, harmlessly), or
   * released when it was refused (not on Unavailable: it may be stored, and the retry claims them again).
   */
  private withAttachments(req: SendMessageRequest, caller: Caller, appended: Promise<StoredEntry>): Promise<StoredEntry> {
    const attachments = this.attachments;
    if (req.attachmentIds.length === 0 || !attachments) return appended;
    const claim = claimOf(caller, req);
    return appended.then(async (entry) => {
      await attachments.bind(claim, req.attachmentIds, Number(entry.ack.seq));
      return entry;
    }, async (err: unknown) => {
      if (!(err instanceof ConnectError && err.code === Code.Unavailable)) await attachments.release(claim, req.attachmentIds);
      throw err;
    });
  }

  /**
   * A text with the mentions its sender makes of `members` (sends, and edits of texts and captions):
   * see core/mentions. Reads nothing for a text without "@".
   */
  async textContent(text: string, senderId: string, members: readonly MemberRecord[]): Promise<TextContent> {
    const mentions = await findMentions(this.store, text, senderId, members);
    return create(TextContentSchema, { text, mentions: mentions.map((m) => create(MentionSchema, m)) });
  }

  /**
   * The message a reply answers, checked: NotFound when the conversation has no such seq, and
   * InvalidArgument for an update entry (never shown, so not answerable).
   */
  async parentOf(conversationId: string, replyToSeq: bigint): Promise<MessageRecord> {
    const [parent] = await this.store.getMessages(conversationId, [Number(replyToSeq)]);
    if (!parent) throw notFound(`reply_to_seq: message ${replyToSeq} not found in this conversation`);
    if (isUpdateEntry(parent)) throw invalidArgument(`reply_to_seq: ${replyToSeq} is an edit, delete or reaction entry, not a message`);
    if (parent.deletedAt) throw failedPrecondition(`reply_to_seq: message ${replyToSeq} was deleted`);
    return parent;
  }

  /**
   * Appends a message as `entry.senderId`, durably, then publishes it to `memberIds`: the one path
   * of every new message but update entries (sends; system events; attachment messages). The store
   * call is made before this returns, so calls made in an order are stored in that order. A retry
   * with the same (senderId, clientMessageId) stores nothing and publishes the first message again
   * (the first try may have been stored by a node that died before it published). `parent` is the
   * replied-to message when the caller has read it; a reply's preview is read otherwise.
   */
  append(entry: NewEntry, memberIds: readonly string[], parent?: MessageRecord): Promise<AppendedEntry> {
    return this.storeEntry(entry).then(async (stored) => {
      const message = await this.publishStored(stored, memberIds, parent);
      return { ack: stored.ack, message, duplicate: stored.duplicate };
    });
  }

  /** The durable half of {@link append}: resolves with the ACK once the entry is stored, before anyone is told. */
  private storeEntry(entry: NewEntry): Promise<StoredEntry> {
    const stored = this.stored(this.store.appendMessage({
      conversationId: entry.conversationId, senderId: entry.senderId, clientMessageId: entry.clientMessageId,
      text: mirroredText(entry.content), sentAt: new Date(), content: encodeContent(entry.content),
      ...(entry.replyToSeq ? { replyToSeq: entry.replyToSeq } : {}), ...unreadIndexOf(entry.content),
    }));
    return stored.then(({ message: record, duplicate }) => {
      this.counts[duplicate ? "duplicate" : "stored"]++;
      return { ack: ackOf(record), record, duplicate };
    });
  }

  /** The second half of {@link append}: a stored entry as served, published to the devices of `memberIds`. */
  private async publishStored(stored: StoredEntry, memberIds: readonly string[], parent?: MessageRecord): Promise<Message> {
    const message = await (parent ? this.current.one(stored.record, parent) : this.current.one(stored.record));
    await this.publish(memberIds, message);
    return message;
  }

  /** Publishes a stored message (or update entry) to the devices of `memberIds`. */
  publish(memberIds: readonly string[], message: Message): Promise<void> {
    return this.dispatcher.publish(memberIds, create(ServerFrameSchema, { frame: { case: "message", value: message } }));
  }

  /** A store write, with the store's "maybe not stored" turned into Unavailable (a retry with the same id is safe). */
  stored<T>(write: Promise<T>): Promise<T> {
    return write.catch((err: unknown) => {
      if (err instanceof StoreUnavailable) this.counts.unavailable++;
      throw err instanceof StoreUnavailable ? unavailable(err.message) : err;
    });
  }

  /** A page of history, backward from the newest by default, each message in its current state. */
  async history(caller: Caller, req: ListMessagesRequest): Promise<{ messages: Message[]; hasMore: boolean }> {
    await this.membership.require(req.conversationId, caller.userId);
    if (req.limit > limits.maxHistoryPage) throw invalidArgument(`limit must be at most ${limits.maxHistoryPage}`);
    const limit = req.limit || limits.defaultHistoryPage;
    const anchor = Number(req.anchorSeq);
    const forward = req.direction === Direction.FORWARD;
    const page = await this.store.listMessages(req.conversationId, forward
      ? { afterSeq: anchor, limit: limit + 1, order: "asc" }
      : { ...(anchor > 0 ? { beforeSeq: anchor } : {}), limit: limit + 1, order: "desc" });
    return { messages: await this.current.serve(page.slice(0, limit)), hasMore: page.length > limit };
  }

  /** Stored messages after a seq, oldest first, in their current state: what a resuming stream replays. */
  async after(conversationId: string, afterSeq: bigint, limit: number): Promise<Message[]> {
    return this.current.serve(await this.store.listMessages(conversationId, { afterSeq: Number(afterSeq), limit, order: "asc" }));
  }
}

/** The ACK of a stored message or update entry. */
export function ackOf(m: MessageRecord): SendMessageResponse {
  return create(SendMessageResponseSchema, {
    conversationId: m.conversationId, clientMessageId: m.clientMessageId, seq: BigInt(m.seq), sentAt: timestampFromDate(m.sentAt),
  });
}

/** The message a send's files are claimed for. */
const claimOf = (caller: Caller, req: SendMessageRequest): ClaimingMessage =>
  ({ conversationId: req.conversationId, senderId: caller.userId, clientMessageId: req.clientMessageId });

/** Whether a stored message is an edit, delete or reaction entry. */
export function isUpdateEntry(m: MessageRecord): boolean {
  return m.content !== undefined && decodeContent(m).case === "update";
}
