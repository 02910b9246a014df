import { create } from "@bufbuild/protobuf";
import { type Presence as PresenceProto, PresenceSchema } from "@chat/gen/chat/v1/user_pb.js";
import { ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { SessionMap } from "../../engines/sessions/interface.ts";
import type { Store } from "../../engines/store/interface.ts";
import type { Membership } from "../conversations/membership.ts";
import { toPresence } from "../convert.ts";
import type { Dispatcher } from "../live/dispatcher.ts";

/**
 * Presence: a user is online while one of their devices holds a stream that heartbeats. Changes go
 * to the user's contacts: everyone who shares a conversation with them.
 */
export class PresenceService {
  private readonly store: Store;
  private readonly sessions: SessionMap;
  private readonly membership: Membership;
  private readonly dispatcher: Dispatcher;

  constructor(store: Store, sessions: SessionMap, membership: Membership, dispatcher: Dispatcher) {
    this.store = store;
    this.sessions = sessions;
    this.membership = membership;
    this.dispatcher = dispatcher;
  }

  /** Everyone who shares a conversation with the user, the user left out. */
  async contacts(userId: string): Promise<string[]> {
    const ids = await this.store.listConversationIds(userId);
    const contacts = new Set<string>();
    for (const members of await Promise.all(ids.map((id) => this.membership.members(id)))) {
      for (const m of members) if (m.userId !== userId) contacts.add(m.userId);
    }
    return [...contacts];
  }

  /** Presence of some users. */
  async get(userIds: readonly string[]): Promise<PresenceProto[]> {
    return (await this.sessions.presence(userIds)).map(toPresence);
  }

  /**
   * Presence of some users as `viewerId` may see it: the viewer's own and their contacts' in full,
   * anyone else's as the user id alone (offline, never seen): presence is for contacts only, so a
   * stranger cannot watch when someone is online.
   */
  async seenBy(viewerId: string, userIds: readonly string[]): Promise<PresenceProto[]> {
    const visible = new Set(await this.contacts(viewerId)).add(viewerId);
    const known = new Map((await this.get(userIds.filter((id) => visible.has(id)))).map((p) => [p.userId, p]));
    return userIds.map((id) => known.get(id) ?? create(PresenceSchema, { userId: id }));
  }

  /** Tells the user's contacts that the user's presence changed (online or offline). */
  async announce(userId: string): Promise<void> {
    const [presence] = await this.get([userId]);
    const contacts = await this.contacts(userId);
    await this.dispatcher.publish(contacts, create(ServerFrameSchema, { frame: { case: "presence", value: presence! } }));
  }
}
