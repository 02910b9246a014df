import type { RateLimiter } from "../engines/limits/interface.ts";
import { createMemoryRateLimiter } from "../engines/limits/memory/memory-rate-limiter.ts";
import { type LimitRules, Throttle } from "./limits/throttle.ts";
import type { Broker } from "../engines/broker/interface.ts";
import type { ControlPlane } from "../engines/control/interface.ts";
import type { SessionMap } from "../engines/sessions/interface.ts";
import type { Store } from "../engines/store/interface.ts";
import { Accounts } from "./accounts/accounts.ts";
import { TokenLifetime } from "./accounts/token-lifetime.ts";
import { Bots } from "./bots/bots.ts";
import { Conversations } from "./conversations/conversations.ts";
import { withDeadlines } from "./deadlines.ts";
import { Directory } from "./conversations/directory.ts";
import { Membership } from "./conversations/membership.ts";
import { Dispatcher } from "./live/dispatcher.ts";
import { Hub } from "./live/hub.ts";
import { Live, type LiveOptions } from "./live/live.ts";
import type { AttachmentClaims } from "./messages/attachment-claims.ts";
import { Messages, type SentEntry } from "./messages/messages.ts";
import { MessageUpdates } from "./messages/updates.ts";
import { PresenceService } from "./presence/presence.ts";
import { Receipts } from "./receipts/receipts.ts";
import { MessageSearchService } from "./search/search.ts";
import { Typing } from "./typing/typing.ts";

/** The engines and tunables a chat node runs on. */
export interface ChatOptions extends Partial<Omit<LiveOptions, "nodeId">> {
  /** Unique among the nodes of a cluster. */
  nodeId: string;
  store: Store;
  sessions: SessionMap;
  broker: Broker;
  control: ControlPlane;
  /** How long a cached member list may be served (bounds how late a missed control command is seen). */
  membershipTtlMs?: number;
  /** How long a store call may take before it fails with Unavailable (a send is refused, not hung). */
  storeDeadlineMs?: number;
  /** How long a typing indicator lasts without a refresh. */
  typingTtlMs?: number;
  /** Reports errors that concern no client. */
  onError?: (error: unknown) => void;
  /** Where the rate limits keep their buckets (in-process when unset). */
  limiter?: RateLimiter;
  /** The rate limits; unset limits nothing. */
  limits?: LimitRules | undefined;
  /** A device token unused this long expires; 30 days by default. */
  tokenIdleExpiryMs?: number;
  /** A password check that would wait longer for the argon2 pool is refused (ResourceExhausted); 2 s by default. */
  passwordCheckMaxWaitMs?: number;
  /** Hears each new message once it is stored and acknowledged, on the node that accepted it (push notifications). */
  onMessageSent?: (sent: SentEntry) => void;
  /** Turns a send's attachment_ids into files, and erases a deleted message's (files/attachments.ts); unset refuses attachments. */
  attachments?: AttachmentClaims;
}

/** One chat node: the domain services over the engines, with the hub of its local connections. */
export interface Chat {
  readonly nodeId: string;
  readonly hub: Hub;
  readonly accounts: Accounts;
  readonly bots: Bots;
  readonly directory: Directory;
  readonly conversations: Conversations;
  readonly messages: Messages;
  /** Edits, deletes and reactions. */
  readonly updates: MessageUpdates;
  readonly receipts: Receipts;
  readonly typing: Typing;
  readonly presence: PresenceService;
  readonly live: Live;
  readonly throttle: Throttle;
  /** Message search (SearchService). */
  readonly search: MessageSearchService;
  /** Closes every stream and stops timers; the engines are closed by their owner. */
  close(): void;
}

/** Wires a chat node and subscribes it to its broker channel. */
export async function createChat(options: ChatOptions): Promise<Chat> {
  const { nodeId, sessions, broker } = options;
  const onError = options.onError ?? (() => {});
  const store = withDeadlines(options.store, options.storeDeadlineMs ?? 5_000, "the database", onError);
  const control = loggingFailures(options.control, onError);
  const hub = new Hub();
  const dispatcher = new Dispatcher(nodeId, sessions, broker, hub);
  const membership = new Membership(store, options.membershipTtlMs ?? 5_000);
  const directory = new Directory(store);
  const throttle = new Throttle(options.limiter ?? createMemoryRateLimiter(), options.limits);
  const tokens = new TokenLifetime(store, { idleExpiryMs: options.tokenIdleExpiryMs ?? 30 * 86_400_000, onError });
  const accounts = new Accounts(store, control, throttle, tokens, options.passwordCheckMaxWaitMs);
  const bots = new Bots(store, accounts, throttle);
  const messages = new Messages(store, membership, dispatcher, throttle, options.attachments);
  const conversations = new Conversations(store, membership, directory, dispatcher, control, messages);
  const updates = new MessageUpdates(store, membership, messages, throttle, options.attachments);
  const receipts = new Receipts(store, membership, dispatcher);
  const search = new MessageSearchService(store, messages.current);
  const typing = new Typing(membership, dispatcher, options.typingTtlMs ?? 6_000, onError);
  const presence = new PresenceService(store, sessions, membership, dispatcher);
  const live = new Live({
    nodeId,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 15_000,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 45_000,
    outboxCapacity: options.outboxCapacity ?? 4_096,
    typingRate: options.typingRate ?? 5,
  }, { hub, sessions, control, membership, messages, updates, receipts, typing, presence, tokens, onError });

  messages.onSent = (caller, conversationId, sent) => {
    typing.sent(caller, conversationId);
    options.onMessageSent?.(sent);
  };
  dispatcher.onError = onError;
  messages.onError = onError;
  dispatcher.onDeliver = (frame) => {
    if (frame.frame.case !== "membership") return;
    const { conversation, userIds } = frame.frame.value;
    const id = conversation?.id ?? "";
    membership.invalidate(id);
    // A user who lost access stops getting the conversation's messages on this node's streams.
    if (conversation?.members.length === 0) for (const u of userIds) for (const c of hub.ofUser(u)) c.forget(id);
  };
  await dispatcher.start();
  await control.subscribe(nodeId, (command) => live.onControl(command));

  return {
    nodeId, hub, accounts, bots, directory, conversations, messages, updates, receipts, typing, presence, live, throttle, search,
    close() {
      live.close();
      typing.close();
      tokens.close();
    },
  };
}

/**
 * The control plane as the domain uses it: a command that cannot be published (Redis is down) is
 * logged rather than failing the change that caused it, which has happened already. What it would
 * have done converges without it (see the ControlPlane interface).
 */
function loggingFailures(control: ControlPlane, onError: (error: unknown) => void): ControlPlane {
  return {
    publish: (command) => control.publish(command).catch((err: unknown) => onError(new Error(`control command ${command.kind} not published`, { cause: err }))),
    subscribe: (nodeId, handler) => control.subscribe(nodeId, handler),
    close: () => control.close(),
  };
}
