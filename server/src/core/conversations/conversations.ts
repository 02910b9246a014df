import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate, timestampMs } from "@bufbuild/protobuf/wkt";
import {
  type Conversation, ConversationKind, ConversationSchema, MemberSchema, type Role,
} from "@chat/gen/chat/v1/conversation_pb.js";
import { MembershipChange, ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import { type Message, SystemEventKind } from "@chat/gen/chat/v1/message_pb.js";
import type { ControlPlane } from "../../engines/control/interface.ts";
import { type MuteRecord, muteHolds } from "../../engines/store/push-store.ts";
import type { ConversationRecord, MemberRecord, ReadStateRecord, Store } from "../../engines/store/interface.ts";
import type { Caller } from "../caller.ts";
import { fromRole, toReadState, toRole } from "../convert.ts";
import type { Messages } from "../messages/messages.ts";
import { Code, ConnectError } from "@connectrpc/connect";
import { failedPrecondition, invalidArgument, notFound, permissionDenied } from "../errors.ts";
import type { Dispatcher } from "../live/dispatcher.ts";
import { limits, requireId, requireLength } from "../validate.ts";
import type { Membership } from "./membership.ts";
import type { Directory } from "./directory.ts";
import { canChangeRole, canRemove, lastOwner, nextOwner } from "./roles.ts";
import { type ConversationCounts, countUnread } from "./unread.ts";
import { SystemEvents } from "./system-events.ts";

/**
 * Direct conversations and groups: creation, membership, roles and the caller's view of each.
 * Every membership change is pushed to the members before and after it as a MembershipEvent.
 */
export class Conversations {
  private readonly store: Store;
  private readonly membership: Membership;
  private readonly directory: Directory;
  private readonly dispatcher: Dispatcher;
  private readonly control: ControlPlane;
  private readonly events: SystemEvents;

  private readonly messages: Messages;

  /**
   * `control` tells every node's membership cache and streams about a change; `messages` writes the
   * system events of groups and serves a conversation's last message.
   */
  constructor(store: Store, membership: Membership, directory: Directory, dispatcher: Dispatcher, control: ControlPlane, messages: Messages) {
    this.store = store;
    this.membership = membership;
    this.directory = directory;
    this.dispatcher = dispatcher;
    this.control = control;
    this.messages = messages;
    this.events = new SystemEvents(messages, store);
  }

  /** The one direct conversation between the caller and another user. */
  async getOrCreateDirect(caller: Caller, other: { userId: string; username: string }): Promise<{ conversation: Conversation; created: boolean }> {
    const [otherId] = await this.directory.resolve([other.userId].filter(Boolean), [other.username].filter(Boolean));
    if (!otherId || (other.userId && other.username)) throw invalidArgument("set exactly one of user_id and username");
    // With oneself it is a note-to-self: one member (the pair key is "me:me"), still one per user.
    const now = new Date();
    const record: ConversationRecord = { id: randomUUID(), kind: "direct", name: "", createdAt: now, lastSeq: 0 };
    const member = (userId: string): MemberRecord => ({ conversationId: record.id, userId, role: "member", joinedAt: now });
    const result = await this.store.getOrCreateDirect(record, [member(caller.userId), member(otherId)]);
    if (result.created) await this.announce(result.conversation.id, caller.userId, MembershipChange.ADDED, [...new Set([caller.userId, otherId])], []);
    return { conversation: await this.view(result.conversation.id, caller.userId), created: result.created };
  }

  /** A new group with the caller as owner. */
  async createGroup(caller: Caller, name: string, memberIds: string[], usernames: string[]): Promise<Conversation> {
    requireLength(name.trim(), "name", 1, limits.maxGroupNameLength);
    const others = await this.directory.resolve(memberIds, usernames);
    const userIds = [caller.userId, ...others.filter((id) => id !== caller.userId)];
    if (userIds.length > limits.maxGroupMembers) throw invalidArgument(`a group has at most ${limits.maxGroupMembers} members`);
    const now = new Date();
    const record: ConversationRecord = { id: randomUUID(), kind: "group", name: name.trim(), createdAt: now, lastSeq: 0 };
    await this.store.createGroup(record, userIds.map((userId, i) => ({
      conversationId: record.id, userId, role: i === 0 ? "owner" : "member", joinedAt: now,
    })));
    this.membership.invalidate(record.id);
    await this.events.record(record.id, { kind: SystemEventKind.GROUP_CREATED, actorId: caller.userId, userIds: userIds.slice(1), groupName: record.name },
      "created", userIds);
    await this.announce(record.id, caller.userId, MembershipChange.ADDED, userIds, []);
    return this.view(record.id, caller.userId);
  }

  /** One of the caller's conversations. */
  async get(caller: Caller, conversationId: string): Promise<Conversation> {
    await this.membership.require(conversationId, caller.userId);
    return this.view(conversationId, caller.userId);
  }

  /** The caller's conversations, most recently active first. */
  async list(caller: Caller): Promise<Conversation[]> {
    const ids = await this.store.listConversationIds(caller.userId);
    // A conversation deleted between the two reads is skipped; any other failure fails the call.
    const views = await Promise.all(ids.map((id) => this.view(id, caller.userId).catch(skipNotFound)));
    const activity = (c: Conversation) => timestampMs(c.lastMessage?.sentAt ?? c.createdAt ?? timestampFromDate(new Date(0)));
    return views.filter((v): v is Conversation => v !== undefined).sort((a, b) => activity(b) - activity(a));
  }

  /**
   * Adds users to a group (admins and owners). Asking again for members already added writes the
   * MEMBERS_ADDED event their call failed to write, if it is missing (see SystemEvents.unannounced).
   */
  async addMembers(caller: Caller, conversationId: string, userIds: string[], usernames: string[]): Promise<Conversation> {
    const { members, record } = await this.requireGroup(caller, conversationId);
    const me = members.find((m) => m.userId === caller.userId)!;
    if (me.role === "member") throw permissionDenied("only admins and owners add members");
    const requested = new Set(await this.directory.resolve(userIds, usernames));
    const present = new Set(members.map((m) => m.userId));
    const added = [...requested].filter((id) => !present.has(id));
    if (members.length + added.length > limits.maxGroupMembers) throw invalidArgument(`a group has at most ${limits.maxGroupMembers} members`);
    if (added.length > 0) {
      const now = new Date();
      await this.store.putMembers(added.map((userId) => ({ conversationId, userId, role: "member", joinedAt: now })));
      // After the write, so that the added hear it. Keyed by the stream's position read before the
      // members, so that two calls racing on the same change (both read the group before either
      // wrote) write one event, while adding someone again after a removal (an event) is a new one.
      await this.recordAdded(caller, conversationId, added, `${[...added].sort().join(",")}@${record.lastSeq}`, [...present, ...added]);
    }
    // A retry of a call that failed between the members and their event: the event is written now,
    // keyed by the membership (its joinedAt), so that retries racing each other write one.
    const again = await this.events.unannounced(conversationId, members.filter((m) => requested.has(m.userId)), record.createdAt);
    const batches = new Map<number, string[]>(); // the members each failed call added (one joinedAt)
    for (const m of again) batches.set(m.joinedAt.getTime(), [...(batches.get(m.joinedAt.getTime()) ?? []), m.userId]);
    for (const [joinedAt, batch] of batches) {
      const ids = batch.sort();
      await this.recordAdded(caller, conversationId, ids, `${ids.join(",")}@joined:${joinedAt}`, [...present]);
    }
    return this.view(conversationId, caller.userId);
  }

  /**
   * The MEMBERS_ADDED event of members just stored, published to `audience`; the added start read up
   * to it (the history before joining is there to read, not unread), and every member hears of them.
   */
  private async recordAdded(caller: Caller, conversationId: string, added: string[], key: string, audience: string[]): Promise<void> {
    const joinedAt = await this.events.record(conversationId, { kind: SystemEventKind.MEMBERS_ADDED, actorId: caller.userId, userIds: added }, key, audience);
    await Promise.all(added.map((userId) => this.store.advanceReadState({ conversationId, userId, deliveredSeq: joinedAt, readSeq: joinedAt })));
    await this.announce(conversationId, caller.userId, MembershipChange.ADDED, added, []);
  }

  /** Removes a member from a group. */
  async removeMember(caller: Caller, conversationId: string, userId: string): Promise<void> {
    const { members } = await this.requireGroup(caller, conversationId);
    if (userId === caller.userId) throw invalidArgument("use LeaveConversation to leave");
    const me = members.find((m) => m.userId === caller.userId)!;
    const target = members.find((m) => m.userId === userId);
    if (!target) throw notFound(`user ${userId} is not a member of this conversation`);
    if (!canRemove(me.role, target.role)) throw permissionDenied(`a ${me.role} cannot remove a ${target.role}`);
    // Before the removal, so that the removed member hears it too, and a retry after a failed
    // removal finds the same membership (joinedAt) and so the same event.
    await this.events.record(conversationId, { kind: SystemEventKind.MEMBER_REMOVED, actorId: caller.userId, userIds: [userId] },
      `${userId}@${target.joinedAt.getTime()}`, members.map((m) => m.userId));
    await this.store.removeMember(conversationId, userId);
    await this.announce(conversationId, caller.userId, MembershipChange.REMOVED, [userId], [userId]);
  }

  /** Changes a member's role (owners only); giving "owner" hands ownership over. */
  async setRole(caller: Caller, conversationId: string, userId: string, role: Role): Promise<Conversation> {
    const { members } = await this.requireGroup(caller, conversationId);
    const roleName = fromRole(role);
    if (!roleName) throw invalidArgument("role must be ROLE_MEMBER, ROLE_ADMIN or ROLE_OWNER");
    const me = members.find((m) => m.userId === caller.userId)!;
    const target = members.find((m) => m.userId === userId);
    if (!target) throw notFound(`user ${userId} is not a member of this conversation`);
    if (!canChangeRole(me.role)) throw permissionDenied("only the owner changes roles");
    if (target.userId === me.userId && roleName !== "owner" && lastOwner(members, me.userId)) {
      throw failedPrecondition("you are the group's only owner: make another member owner first (SetRole with ROLE_OWNER), which makes you an admin");
    }
    const changes: MemberRecord[] = [{ ...target, role: roleName }];
    if (roleName === "owner" && target.userId !== me.userId) changes.push({ ...me, role: "admin" });
    await this.store.putMembers(changes);
    await this.announce(conversationId, caller.userId, MembershipChange.ROLE_CHANGED, changes.map((c) => c.userId), []);
    return this.view(conversationId, caller.userId);
  }

  /**
   * The caller leaves a group; the last owner who leaves hands ownership to the next in line, in the
   * same atomic write as the leaving, so that a crash between the two never leaves a group ownerless.
   */
  async leave(caller: Caller, conversationId: string): Promise<void> {
    const { members } = await this.requireGroup(caller, conversationId);
    const heir = lastOwner(members, caller.userId) ? nextOwner(members.filter((m) => m.userId !== caller.userId)) : undefined;
    const me = members.find((m) => m.userId === caller.userId)!;
    await this.events.record(conversationId, { kind: SystemEventKind.MEMBER_LEFT, actorId: caller.userId, userIds: [caller.userId] },
      `${caller.userId}@${me.joinedAt.getTime()}`, members.map((m) => m.userId));
    await this.store.removeMember(conversationId, caller.userId, heir && { ...heir, role: "owner" });
    await this.announce(conversationId, caller.userId, MembershipChange.LEFT, [caller.userId], [caller.userId]);
  }

  /**
   * Mutes the conversation for the caller (every device of theirs), until `until` or until undone, or
   * unmutes it. A mute stops push notifications only (see push.proto). The new view goes to every
   * device of the caller's, on whichever node it streams, so that the others show it without a refetch.
   */
  async mute(caller: Caller, conversationId: string, muted: boolean, until: Date | undefined): Promise<Conversation> {
    await this.membership.require(requireId(conversationId, "conversation_id"), caller.userId);
    if (!muted) await this.store.deleteMute(conversationId, caller.userId);
    else if (until && until.getTime() <= Date.now()) throw invalidArgument("until: must be in the future (unset it to mute until unmuted)");
    else await this.store.setMute({ conversationId, userId: caller.userId, until });
    const conversation = await this.view(conversationId, caller.userId);
    // Best effort like every live frame (the dispatcher never fails): a device that misses it reads the
    // mute with the conversation when it reconnects.
    await this.dispatcher.publish([caller.userId], create(ServerFrameSchema, { frame: { case: "conversationUpdate", value: { conversation } } }));
    return conversation;
  }

  /** A conversation as `userId` sees it: members, last message, marks and unread count. */
  async view(conversationId: string, userId: string): Promise<Conversation> {
    return project(await this.load(conversationId, userId), userId);
  }

  /**
   * What the views of a conversation are made of: its rows, and the counts of `readers` (the
   * caller, or every member for a membership event); see unread.ts for what those read.
   */
  private async load(conversationId: string, readers?: string): Promise<Snapshot> {
    const [record, members, states, mutes] = await Promise.all([
      this.store.getConversation(conversationId), this.store.listMembers(conversationId), this.store.listReadStates(conversationId),
      this.store.listMutes(conversationId),
    ]);
    if (!record) throw notFound(`conversation ${conversationId} not found`);
    const marks = new Map(states.map((s) => [s.userId, s.readSeq]));
    const who = readers === undefined ? members.map((m) => m.userId) : [readers];
    const { last, unread } = await countUnread(this.store, record, who.map((userId) => ({ userId, readSeq: marks.get(userId) ?? 0 })));
    return { record, members, states, unread, mutes, last: last && (await this.messages.current.one(last)) };
  }

  private async requireGroup(caller: Caller, conversationId: string): Promise<{ members: MemberRecord[]; record: ConversationRecord }> {
    this.membership.invalidate(conversationId); // decisions on roles read fresh members
    // The conversation (its lastSeq) before the members: a change read after another call's member
    // write reads its event too, which keeps the events' keys apart (see addMembers).
    const record = await this.store.getConversation(requireId(conversationId, "conversation_id"));
    const members = await this.membership.require(conversationId, caller.userId);
    if (record?.kind !== "group") throw failedPrecondition("direct conversations have fixed members");
    return { members, record };
  }

  /**
   * Tells every member after the change (with their view of the conversation) and every user who
   * just lost access (with the id only) what happened.
   */
  private async announce(conversationId: string, actorId: string, change: MembershipChange, userIds: string[], gone: string[]): Promise<void> {
    this.membership.invalidate(conversationId);
    // Every node drops its cached members (and stops streaming the conversation to who is gone),
    // published before the members hear of it, so that a member's next call finds the change on
    // any node rather than after the cache's TTL.
    await this.control.publish({ kind: "membership", conversationId, removedUserIds: gone });
    const snapshot = await this.load(conversationId); // once, whatever the number of members
    const frame = (conversation: Conversation) => create(ServerFrameSchema, {
      frame: { case: "membership", value: { change, actorId, userIds, conversation } },
    });
    await Promise.all([
      ...snapshot.members.map((m) => this.dispatcher.publish([m.userId], frame(project(snapshot, m.userId)))),
      this.dispatcher.publish(gone, frame(create(ConversationSchema, { id: conversationId }))),
    ]);
  }
}

/** The reads a conversation's views are made of. */
interface Snapshot {
  record: ConversationRecord;
  members: MemberRecord[];
  states: ReadStateRecord[];
  /** The newest countable message, as served. */
  last: Message | undefined;
  unread: ConversationCounts["unread"];
  /** The members' mutes (each member sees only their own). */
  mutes: MuteRecord[];
}

/** A conversation as `userId` sees it: the shared parts, and the user's own unread count. */
function project({ record, members, states, last, unread, mutes }: Snapshot, userId: string): Conversation {
  const mine = unread.get(userId);
  const mute = mutes.find((m) => m.userId === userId);
  const muted = muteHolds(mute, new Date());
  return create(ConversationSchema, {
    id: record.id,
    kind: record.kind === "direct" ? ConversationKind.DIRECT : ConversationKind.GROUP,
    name: record.name,
    members: members.map((m) => create(MemberSchema, { userId: m.userId, role: toRole(m.role), joinedAt: timestampFromDate(m.joinedAt) })),
    lastSeq: BigInt(record.lastSeq),
    ...(last ? { lastMessage: last } : {}),
    unreadCount: BigInt(mine?.messages ?? 0),
    unreadMentionCount: BigInt(mine?.mentions ?? 0),
    readStates: states.map(toReadState),
    createdAt: timestampFromDate(record.createdAt),
    muted,
    ...(muted && mute?.until ? { mutedUntil: timestampFromDate(mute.until) } : {}),
  });
}

/** Reads a conversation that vanished as absent, and rethrows every other failure. */
function skipNotFound(err: unknown): undefined {
  if (err instanceof ConnectError && err.code === Code.NotFound) return undefined;
  throw err;
}
