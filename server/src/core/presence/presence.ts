import { create } from "@bufbuild/protobuf";
import { Availability, type Presence as PresenceProto, PresenceSchema, type SetStatusRequest } from "@chat/gen/chat/v1/user_pb.js";
import { ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { PresenceRecord, SessionMap } from "../../engines/sessions/interface.ts";
import type { Store } from "../../engines/store/interface.ts";
import type { Membership } from "../conversations/membership.ts";
import type { Dispatcher } from "../live/dispatcher.ts";
import { presenceKey, toPresence, toPublicPresence } from "./presence-view.ts";
import { statusChangeOf } from "./status-request.ts";

/** Whether a presence shows a status other than the default (an availability beyond online, or a text). */
const showsStatus = (p: PresenceProto) =>
  p.statusText !== "" || (p.availability !== Availability.UNSPECIFIED && p.availability !== Availability.ONLINE);

/** A presence frame. */
const frameOf = (presence: PresenceProto) => create(ServerFrameSchema, { frame: { case: "presence", value: presence } });

/**
 * Presence: a user is online while one of their devices holds a stream that heartbeats, and shows
 * the status they chose (availability, custom text). Changes go to the user's contacts (everyone
 * who shares a conversation with them) as they see it, and status changes to the user's own
 * devices too, as the truth: only those see that the user is invisible.
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

  /**
   * Presence of some users as `viewerId` may see it: the viewer's own as the truth, their contacts'
   * as others see them (an invisible contact looks offline), anyone else's as the user id alone
   * (offline, never seen): presence is for contacts only, so a stranger cannot watch when someone is online.
   */
  async seenBy(viewerId: string, userIds: readonly string[]): Promise<PresenceProto[]> {
    const visible = new Set(await this.contacts(viewerId)).add(viewerId);
    const records = await this.sessions.presence(userIds.filter((id) => visible.has(id)));
    const known = new Map(records.map((r) => [r.userId, r.userId === viewerId ? toPresence(r) : toPublicPresence(r)]));
    return userIds.map((id) => known.get(id) ?? create(PresenceSchema, { userId: id }));
  }

  /**
   * What a stream opening learns: its contacts' presence, those online or showing a status (an
   * invisible one never), and the user's own when they chose a status, for a device that did not see it set.
   */
  async snapshot(userId: string): Promise<PresenceProto[]> {
    const records = await this.sessions.presence([userId, ...(await this.contacts(userId))]);
    const [own, ...contacts] = records;
    const shown = contacts.map(toPublicPresence).filter((p) => p.online || showsStatus(p));
    return own?.status ? [toPresence(own), ...shown] : shown;
  }

  /**
   * Tells the user's contacts that the user came online or went offline. An invisible user's
   * contacts are told nothing: to them the user stays offline, seen last when they went invisible.
   */
  async announce(userId: string): Promise<void> {
    const [record] = await this.sessions.presence([userId]);
    if (record!.status?.availability === "invisible") return;
    await this.dispatcher.publish(await this.contacts(userId), frameOf(toPublicPresence(record!)));
  }

  /**
   * Sets the caller's status (see UserService.SetStatus) and tells of it: the user's own devices the
   * truth, their contacts what they see, each only when what they see changed. Resolves the
   * presence the user's own devices see.
   */
  async setStatus(userId: string, req: SetStatusRequest): Promise<PresenceProto> {
    const { before, after } = await this.sessions.setStatus(userId, statusChangeOf(req, new Date()));
    await this.tell(userId, before, after);
    return toPresence(after);
  }

  /**
   * Tells of status texts that expired (reported by the session map's sweep, one node for each):
   * the user's own devices and their contacts see the text gone.
   */
  async announceExpired(userIds: readonly string[]): Promise<void> {
    const records = await this.sessions.presence(userIds);
    await Promise.all(records.map((after) => this.tell(after.userId, undefined, after)));
  }

  /**
   * Publishes a status change to whoever sees something new. With `before` unknown (an expiry), the
   * own devices are told, and the contacts unless the user is invisible (they see no text then).
   */
  private async tell(userId: string, before: PresenceRecord | undefined, after: PresenceRecord): Promise<void> {
    const changed = (view: (p: PresenceRecord) => PresenceProto) => presenceKey(view(before!)) !== presenceKey(view(after));
    const ownChanged = !before || changed(toPresence);
    const publicChanged = before ? changed(toPublicPresence) : after.status?.availability !== "invisible";
    await Promise.all([
      ownChanged ? this.dispatcher.publish([userId], frameOf(toPresence(after))) : undefined,
      publicChanged ? this.contacts(userId).then((contacts) => this.dispatcher.publish(contacts, frameOf(toPublicPresence(after)))) : undefined,
    ]);
  }
}
