// The shared chat client library: what the CLI, bots, the benchmark and the desktop app stand on.
// Transport-agnostic (bring a gRPC, Connect or gRPC-Web transport) and free of server code.
export { Backoff, type BackoffOptions, backoffDelay, retryAfterMs } from "./backoff.ts";
export { ChatModel, type ChatModelOptions, type SendOptions, type StatusChange } from "./chat-model.ts";
export {
  displayName, isBot, nextUnread, peerOf, type Receipt, receiptOf, seenBy, shouldNotify, titleOf, typingText, unreadEnd, unreadTotal,
} from "./chat-selectors.ts";
export { dayLabel, relativeTime, sameDay } from "./dates.ts";
export { mentions, nameColor, nameColors, type TextPart, textParts } from "./rich-text.ts";
export { sameEvent, systemEventText, type SystemLine, systemLineOf, systemLineText } from "./system-lines.ts";
export {
  attachmentsLabel, countsAsUnread, formatSize, mentionsReader, messageSummary, replyLine,
  type MessageUpdateOf, type ShownAttachment, shownMessage, type ShownReaction, type ShownReply,
  type ShownSystemEvent, updateOf,
} from "./shown-message.ts";
export { type AvailabilityName, availabilityValues, statusLabel, statusOf, statusTextAt, type UserStatus } from "./user-status.ts";
export { uploadFile, type UploadOptions, type UploadProgress } from "./file-upload.ts";
export { IdleAway, type IdleAwayOptions } from "./idle-away.ts";
export { userMessage } from "./user-message.ts";
export {
  type ChatAction, type ChatState, type ConversationState, conversationOrder, hasOlder, initialChatState, type Marks,
  type PendingMessage, reduceChat, type ShownMessage,
} from "./chat-state.ts";
export { bearer, type ChatClients, createChatClients } from "./clients.ts";
export { asConnectionLoss } from "./connection-loss.ts";
export { describeError } from "./describe-error.ts";
export { FrameQueue } from "./frame-queue.ts";
export { type EventMap, Listeners } from "./listeners.ts";
export { type ClientFrame, type LiveLink, streamLink } from "./live-link.ts";
export { type LiveCursor, type LiveEvents, LiveSession, type LiveSessionOptions, type LiveState } from "./live-session.ts";
export { MessageOrder, type MessageOrderOptions } from "./message-order.ts";
export { maxSearchHits, MessageSearch, noSearch, type SearchQuery, type SearchResults, snippetText } from "./message-search.ts";
export { isTransient, type OutgoingMessage } from "./send-queue.ts";
export { subscribeLink } from "./subscribe-link.ts";
export { UserDirectory } from "./user-directory.ts";
