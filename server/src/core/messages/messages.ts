import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type SendMessageRequest, type SendMessageResponse, SendMessageResponseSchema, ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import { Direction, type ListMessagesRequest, type Message } from "@chat/gen/chat/v1/message_pb.js";
import { type Store, StoreUnavailable } from "../../engines/store/interface.ts";
import type { Throttle } from "../limits/throttle.ts";
import type { Caller } from "../caller.ts";
import type { Membership } from "../conversations/membership.ts";
import { toMessage } from "../convert.ts";
import { invalidArgument, unavailable } from "../errors.ts";
import type { Dispatcher } from "../live/dispatcher.ts";
import { limits, requireClientMessageId, requireText } from "../validate.ts";
import { findMentions, mentionRecord } from "../mentions/mentions.ts";
import { activeTracer, inSpanUntil } from "../../observability/tracing.ts";

/** A send that passed validation and is queued for the store, in the order it was accepted. */
export interface AcceptedSend {
  /** Resolves with the ACK once the message is durable and published. */
  ack: Promise<SendMessageResponse>;
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
  /** Sends since start by outcome (for /metrics): stored new, a retry of a stored one, refused as unavailable. */
  readonly counts = { stored: 0, duplicate: 0, unavailable: 0 };
  /** Called after a message is stored (typing indicators end when their author sends). */
  onSent: (caller: Caller, conversationId: string) => void = () => {};

  constructor(store: Store, membership: Membership, dispatcher: Dispatcher, throttle: Throttle) {
    this.store = store;
    this.membership = membership;
    this.dispatcher = dispatcher;
    this.throttle = throttle;
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
    requireText(req.text);
    const members = await this.membership.require(req.conversationId, caller.userId);
    // Members only: a stranger's sends must not drain a conversation's bucket.
    await this.throttle.take("sendPerUser", caller.userId, "messages from you");
    await this.throttle.take("sendPerConversation", req.conversationId, "messages in this conversation");
    const mentions = mentionRecord(await findMentions(this.store, req.text, caller.userId, members));
    const stored = this.store.appendMessage({
      conversationId: req.conversationId, senderId: caller.userId, clientMessageId: req.clientMessageId,
      text: req.text, sentAt: new Date(), ...(mentions ? { mentions } : {}),
    }).catch((err: unknown) => {
      // Not stored, or not provably: the client retries with the same id, which the store dedupes.
      if (err instanceof StoreUnavailable) this.counts.unavailable++;
      throw err instanceof StoreUnavailable ? unavailable(err.message) : err;
    });
    const ack = stored.then(async ({ message, duplicate }) => {
      this.counts[duplicate ? "duplicate" : "stored"]++;
      if (!duplicate) this.onSent(caller, message.conversationId);
      // A retry publishes again: the first try may have been stored by a node that died, or whose
      // answer was lost, before it published. Devices drop a seq they already have.
      await this.dispatcher.publish(members.map((m) => m.userId), create(ServerFrameSchema, {
        frame: { case: "message", value: toMessage(message) },
      }));
      return create(SendMessageResponseSchema, {
        conversationId: message.conversationId, clientMessageId: message.clientMessageId,
        seq: BigInt(message.seq), sentAt: timestampFromDate(message.sentAt),
      });
    });
    return { ack };
  }

  /** Sends and waits for the ACK (the unary path). */
  async send(caller: Caller, req: SendMessageRequest): Promise<SendMessageResponse> {
    return (await this.accept(caller, req)).ack;
  }

  /** A page of history, backward from the newest by default. */
  async history(caller: Caller, req: ListMessagesRequest): Promise<{ messages: Message[]; hasMore: boolean }> {
    await this.membership.require(req.conversationId, caller.userId);
    if (req.limit > limits.maxHistoryPage) throw invalidArgument(`limit must be at most ${limits.maxHistoryPage}`);
    const limit = req.limit || limits.defaultHistoryPage;
    const anchor = Number(req.anchorSeq);
    const forward = req.direction === Direction.FORWARD;
    const page = await this.store.listMessages(req.conversationId, forward
      ? { afterSeq: anchor, limit: limit + 1, order: "asc" }
      : { ...(anchor > 0 ? { beforeSeq: anchor } : {}), limit: limit + 1, order: "desc" });
    return { messages: page.slice(0, limit).map(toMessage), hasMore: page.length > limit };
  }

  /** Stored messages after a seq, oldest first: what a resuming stream replays. */
  async after(conversationId: string, afterSeq: bigint, limit: number): Promise<Message[]> {
    return (await this.store.listMessages(conversationId, { afterSeq: Number(afterSeq), limit, order: "asc" })).map(toMessage);
  }
}
