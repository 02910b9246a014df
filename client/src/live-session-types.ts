import type { ConnectError } from "@connectrpc/connect";
import type { Conversation } from "@chat/gen/chat/v1/conversation_pb.js";
import type {
  FrameError, MembershipEvent, Ready, ReceiptEvent, ResumeComplete, SendMessageResponse, TypingEvent,
} from "@chat/gen/chat/v1/live_pb.js";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import type { Presence } from "@chat/gen/chat/v1/user_pb.js";
import type { BackoffOptions } from "./backoff.ts";
import type { ChatClients } from "./clients.ts";
import type { LiveLink } from "./live-link.ts";

// What a LiveSession is told and tells (live-session.ts holds its behaviour).

/** Where a session is: `online` only between a stream's Ready and its end. */
export type LiveState = "connecting" | "online" | "reconnecting" | "closed";

/** A conversation's resume point: the highest seq the application has shown. */
export interface LiveCursor {
  conversationId: string;
  seq: bigint;
}

/** What a LiveSession (live-session.ts) reports. Every server frame kind has its event. */
export type LiveEvents = {
  /** The state changed; `error` says why a stream ended (or why the session closed for good). */
  state: (state: LiveState, error?: ConnectError) => void;
  /** A stream opened. */
  ready: (ready: Ready) => void;
  /** The caller's conversations, listed at every (re)connect before the stream opens. */
  conversations: (conversations: Conversation[]) => void;
  /** A message, each (conversation_id, seq) once and in seq order per conversation. */
  message: (message: Message) => void;
  /** A send of this session was stored. */
  ack: (ack: SendMessageResponse) => void;
  receipt: (event: ReceiptEvent) => void;
  typing: (event: TypingEvent) => void;
  presence: (presence: Presence) => void;
  membership: (event: MembershipEvent) => void;
  /** The user's own view of a conversation changed (a mute from any of their devices). */
  conversationUpdate: (conversation: Conversation) => void;
  /** The replay asked for on (re)connect is complete: what follows is live. */
  resumed: (complete: ResumeComplete) => void;
  /** The server refused a frame (the stream stays open). */
  error: (error: FrameError) => void;
};

/** How to build a LiveSession (live-session.ts). */
export interface LiveSessionOptions {
  /** Clients on an authenticated transport (see `createChatClients` and `bearer`). */
  clients: Pick<ChatClients, "live" | "conversations" | "history">;
  /**
   * How a connection is opened: the bidirectional stream by default (`streamLink`), or in a browser
   * `subscribeLink(clients)` (Subscribe plus unary calls).
   */
  link?: LiveLink;
  /** Cursors persisted by an earlier run: the session replays everything after them. */
  cursors?: Iterable<LiveCursor>;
  /** Reconnect delays; 250 ms base and 10 s cap by default. */
  backoff?: BackoffOptions;
  /**
   * For a conversation the session finds without a cursor (new since the last run, or a first run),
   * how many of its newest messages to replay. Default 50.
   */
  replayUnknown?: number;
  /** A stream that stays up this long counts as healthy and resets the backoff. Default 5,000 ms. */
  healthyAfterMs?: number;
  /** How long to wait for the first frame (Ready) or the conversation list. Default 10,000 ms. */
  connectTimeoutMs?: number;
}
