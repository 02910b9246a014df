import type { PushStore } from "./push-store.ts";
import type { PresenceStore } from "./presence-store.ts";
import type { MessageSearchStore } from "./message-search.ts";
import type { UploadStore } from "./upload-store.ts";

/**
 * The durable store: accounts, devices, conversations, messages and read marks.
 *
 * Two implementations stand behind this interface: `sqlite/` (embedded, one file, the default) and
 * `scylla/` (a cluster). Both pass `contract.spec.ts`. Nothing above this seam knows which one runs.
 *
 * Contract shared by every implementation:
 * - a resolved write is durable (on disk, or on a quorum of replicas);
 * - `appendMessage` assigns seq = previous + 1 per conversation, never twice, never with a gap,
 *   even with concurrent writers on many nodes, and is idempotent per (conversation, sender,
 *   client message id);
 * - read marks only grow (`advanceReadState` keeps the maximum).
 */
export interface Store extends BotStore, UserSearchStore, UnreadStore, UploadStore, MessageSearchStore, PushStore, PresenceStore {
  /** Creates a user. Resolves false, writing nothing, when the username is taken. */
  createUser(user: UserRecord): Promise<boolean>;
  /** Users by id, in no particular order; unknown ids are left out. */
  getUsers(ids: readonly string[]): Promise<UserRecord[]>;
  /** A user by (lower-case) username. */
  getUserByUsername(username: string): Promise<UserRecord | undefined>;

  /** Stores a logged-in device with the hash of its token. */
  createDevice(device: DeviceRecord): Promise<void>;
  /** The device a token hash belongs to. */
  getDeviceByTokenHash(tokenHash: string): Promise<DeviceRecord | undefined>;
  /** Every device of a user, oldest first. */
  listDevices(userId: string): Promise<DeviceRecord[]>;
  /** Deletes a device (revoking its token); resolves the deleted device, if it existed. */
  deleteDevice(userId: string, deviceId: string): Promise<DeviceRecord | undefined>;
  /**
   * Records that a device was used at `at`. Callers write this coarsely (once per several minutes
   * per device), not on every call, so that two writes racing are minutes apart at most and either
   * may win. A deleted device stays deleted.
   */
  touchDevice(userId: string, deviceId: string, at: Date): Promise<void>;
  /**
   * Deletes up to `limit` devices last used before `cutoff`, and resolves them: the periodic cleanup
   * of tokens that expired from inactivity. Bot tokens (devices with a token scope) are kept: they
   * are API tokens their owner revokes. A device with no recorded use (from before uses were
   * recorded) counts as used when this first meets it.
   */
  deleteDevicesUnusedSince(cutoff: Date, limit: number): Promise<DeviceRecord[]>;
  /** Replaces a user's password hash. */
  setPasswordHash(user: UserRecord, passwordHash: string): Promise<void>;

  /**
   * Creates the direct conversation of a pair of users, or returns the existing one: there is
   * exactly one per pair, even when both users race to create it from different nodes.
   */
  getOrCreateDirect(conversation: ConversationRecord, members: [MemberRecord, MemberRecord]): Promise<{ conversation: ConversationRecord; created: boolean }>;
  /** Creates a group with its first members. */
  createGroup(conversation: ConversationRecord, members: readonly MemberRecord[]): Promise<void>;
  /** A conversation with its current `lastSeq`. */
  getConversation(id: string): Promise<ConversationRecord | undefined>;
  /** Members of a conversation, oldest first. */
  listMembers(conversationId: string): Promise<MemberRecord[]>;
  /** Ids of the conversations a user is a member of. */
  listConversationIds(userId: string): Promise<string[]>;
  /** Adds members, or changes the role of existing ones (keeping their `joinedAt`). */
  putMembers(members: readonly MemberRecord[]): Promise<void>;
  /**
   * Removes a member; their read marks go with them. With `heir`, that member's new role (an owner
   * handing over as they leave) is written in the same atomic write, so that no crash leaves the
   * group without an owner.
   */
  removeMember(conversationId: string, userId: string, heir?: MemberRecord): Promise<void>;

  /**
   * Appends a message with the next seq, durably, before resolving. A second call with the same
   * (conversationId, senderId, clientMessageId) returns the first message with `duplicate: true`.
   * The sender's delivered and read marks rise to the new seq (one has read what one wrote), so that
   * one's own messages are never unread; not for an uncountable message (a system event, an update
   * entry: reacting to an old message reads nothing). The row records the running counts of UnreadStore.
   *
   * `change` must be unset: update entries go through {@link appendUpdate}.
   */
  appendMessage(message: NewMessage): Promise<Stored>;
  /**
   * Appends an update entry like {@link appendMessage}, and applies its change to its target in the
   * same durable write (SQLite: one transaction; Scylla: one logged batch), in seq order with the
   * conversation's other updates. When the target's current state refuses the change (see
   * {@link UpdateRefusal}) nothing is written and no seq is used: the result is `{ refused }`.
   */
  appendUpdate(entry: NewMessage & { change: TargetChange }): Promise<AppendResult>;
  /**
   * Messages of one conversation with `afterSeq < seq < beforeSeq`, in the given order, each in its
   * current state (edits, tombstones, reactions).
   */
  listMessages(conversationId: string, range: MessageRange): Promise<MessageRecord[]>;
  /** Messages of one conversation by seq, in their current state, in no particular order; missing seqs are left out. */
  getMessages(conversationId: string, seqs: readonly number[]): Promise<MessageRecord[]>;

  /** Raises a member's marks to at least the given values; resolves the marks after the change. */
  advanceReadState(state: ReadStateRecord): Promise<ReadStateRecord>;
  /** The marks of every member of a conversation that has any. */
  listReadStates(conversationId: string): Promise<ReadStateRecord[]>;

  /** Releases connections and files. */
  close(): Promise<void>;
}

/** An account. */
export interface UserRecord {
  id: string;
  /** Lower-case, unique. */
  username: string;
  displayName: string;
  /** argon2id encoded hash. */
  passwordHash: string;
  createdAt: Date;
}

/** A logged-in device. */
export interface DeviceRecord {
  userId: string;
  deviceId: string;
  deviceName: string;
  /** SHA-256 of the bearer token, hex: a stolen database yields no usable token. */
  tokenHash: string;
  createdAt: Date;
  /**
   * When the device last made a call, recorded coarsely (see `touchDevice`); undefined for a device
   * from before uses were recorded, whose first call records one.
   */
  lastUsedAt: Date | undefined;
}

/** `direct` or `group`. */
export type ConversationKind = "direct" | "group";

/** A conversation. */
export interface ConversationRecord {
  id: string;
  kind: ConversationKind;
  /** Empty for direct conversations. */
  name: string;
  createdAt: Date;
  /** Seq of the newest message, 0 when none. Filled by reads; ignored on create. */
  lastSeq: number;
}

/** A member's role. */
export type Role = "owner" | "admin" | "member";

/** A member of a conversation. */
export interface MemberRecord {
  conversationId: string;
  userId: string;
  role: Role;
  joinedAt: Date;
}

/** What a sender supplies; the store adds the seq. */
export interface NewMessage {
  conversationId: string;
  senderId: string;
  clientMessageId: string;
  /** The text, or an attachment message's caption (mirrored for old clients); "" for events and update entries. */
  text: string;
  sentAt: Date;
  /**
   * What the message carries, encoded by the domain (core/messages/content.ts) and opaque here.
   * Unset for a plain text without mentions, whose content is `text` alone (and for rows from before
   * content existed): the common send stores nothing more than it did.
   */
  content?: Uint8Array | undefined;
  /** The seq of the message this one replies to; 0 or unset for none. */
  replyToSeq?: number | undefined;
  /** Set on an update entry: what it does to an earlier message, in the same durable write. */
  change?: TargetChange | undefined;
  /**
   * False for what is never unread and never a conversation's last message (system events, update
   * entries); unset means true. Stored as each row's running count (see UnreadStore).
   */
  countable?: boolean;
  /**
   * Whom the text mentions, indexed for UnreadStore.mentionSeqs; unset for none. On an edit entry:
   * the edited message's new mentions, indexed at its seq.
   */
  mentions?: MentionRecord;
}

/** The mentions of a message, as the store indexes them. */
export interface MentionRecord {
  /** Members named "@username" (never the sender: one's own messages are never unread). */
  userIds: readonly string[];
  /** True for "@all" (every member but the sender). */
  all: boolean;
}

/**
 * What an update entry does to its target (an earlier message of the same conversation). Every
 * change is refused when the target does not exist ("missing") or is deleted ("deleted").
 */
export type TargetChange =
  /** Replaces the text and content; only by the target's sender ("notAuthor"). Sets editedAt. */
  | { kind: "edit"; targetSeq: number; text: string; content: Uint8Array | undefined; at: Date }
  /** Erases text, content and reactions, keeping seq, sender and times; sets deletedAt. */
  | { kind: "delete"; targetSeq: number; at: Date }
  /**
   * Adds or removes the entry sender's reaction; adding an emoji the target does not carry yet is
   * refused when it carries `maxEmoji` distinct ones already ("tooManyReactions").
   */
  | { kind: "reaction"; targetSeq: number; emoji: string; reacted: boolean; maxEmoji: number };

/** Why the store refused an update entry (nothing was written). */
export type UpdateRefusal = "missing" | "deleted" | "notAuthor" | "tooManyReactions";

/** A stored message, and whether an earlier append with its id stored it (then it is that one). */
export interface Stored {
  message: MessageRecord;
  duplicate: boolean;
}

/** What an append resolves: the stored message, or why an update entry was refused. */
export type AppendResult = (Stored & { refused?: undefined }) | { refused: UpdateRefusal };

/** A stored message, in its current state. */
export interface MessageRecord extends NewMessage {
  seq: number;
  /** When its text was last edited. */
  editedAt?: Date | undefined;
  /** When it was deleted: then `text` is "", `content` unset and `reactions` empty. */
  deletedAt?: Date | undefined;
  /** The seq of the newest update entry that changed it; 0 when none. */
  lastUpdateSeq?: number | undefined;
  /** Its reactions, by emoji in the order first used; filled by reads. */
  reactions?: ReactionRecord[] | undefined;
}

/** The users who reacted to a message with one emoji, in the order they reacted. */
export interface ReactionRecord {
  emoji: string;
  userIds: string[];
}

/** Bounds (both exclusive) and order of a history read. */
export interface MessageRange {
  afterSeq?: number;
  beforeSeq?: number;
  limit: number;
  order: "asc" | "desc";
}

/** A member's delivered and read marks in one conversation. */
export interface ReadStateRecord {
  conversationId: string;
  userId: string;
  deliveredSeq: number;
  readSeq: number;
}

/**
 * The store could not take a write right now (a deadline passed, the sequencer of a conversation
 * moved or cannot be reached); the write may or may not have happened. Worth a retry with the same
 * client message id, which the store dedupes: core answers it with `Unavailable`.
 */
export class StoreUnavailable extends Error {
  override readonly name = "StoreUnavailable";
}

/** How many countable messages (not system events or update entries) a conversation has up to a seq. */
export interface SeqCount {
  seq: number;
  /** Countable messages with a seq at most `seq`. */
  counted: number;
  /** The newest countable message's seq at most `seq`; 0 when none. */
  lastCountedSeq: number;
}

/**
 * What unread and mention counts are computed from, each in a bounded number of point reads: no
 * read scans a conversation. Every stored message carries the running count of countable
 * messages up to it (rows from before the count existed count as all countable: counted = seq), so
 * a member's unread count is `counted(lastSeq) - counted(readSeq)`.
 */
export interface UnreadStore {
  /** The counts at each of `seqs` that is stored (seq 0 and missing seqs are left out). */
  countsAt(conversationId: string, seqs: readonly number[]): Promise<SeqCount[]>;
  /**
   * Seqs after `afterSeq` of messages indexed as mentioning `userId`, by name or with "@all" from
   * someone else, newest first, at most `limit`. An index, not the truth: a message edited or deleted
   * since may no longer mention the user, so callers check the messages (core/mentions/unread.ts).
   */
  mentionSeqs(conversationId: string, userId: string, afterSeq: number, limit: number): Promise<number[]>;
}

/**
 * Bot accounts: which users are bots and whose, and what each bot token may do. A bot is a user
 * (`createUser`, with an empty password hash) and its tokens are its devices (`createDevice`); these
 * records add what only bots have. Writes are idempotent puts.
 */
export interface BotStore {
  /** Records that a user is a bot and who owns it. */
  createBot(bot: BotRecord): Promise<void>;
  /** Bot records of the given user ids, in no particular order; ids of people are left out. */
  getBots(ids: readonly string[]): Promise<BotRecord[]>;
  /** The bots a user owns, oldest first. */
  listBotsByOwner(ownerId: string): Promise<BotRecord[]>;
  /** Stores what a bot token (a device of the bot) may do. */
  putTokenScope(scope: TokenScopeRecord): Promise<void>;
  /** What a bot token may do; undefined for a device with no scope record. */
  getTokenScope(deviceId: string): Promise<TokenScopeRecord | undefined>;
}

/** A bot and its owner. */
export interface BotRecord {
  botId: string;
  ownerId: string;
  createdAt: Date;
}

/** What one bot token may do. */
export interface TokenScopeRecord {
  deviceId: string;
  /** Empty for every conversation the bot is a member of. */
  conversationIds: string[];
  canWrite: boolean;
}

/** One page of a user search (see `user-search.ts` for what matches). */
export interface UserSearch {
  /** Normalized (`normalizeSearch`), 1 to 64 characters. */
  prefix: string;
  /** Only users with a username after this one (the previous page's last); "" for the first page. */
  afterUsername: string;
  limit: number;
}

/** Finding users by the start of their names, for the new-conversation dialog. */
export interface UserSearchStore {
  /** Users matching `search.prefix`, ascending by username, at most `limit`. */
  searchUsers(search: UserSearch): Promise<UserRecord[]>;
}
