import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Availability as AvailabilityProto, type Presence, PresenceSchema } from "@chat/gen/chat/v1/user_pb.js";
import type { Availability, PresenceRecord } from "../../engines/sessions/interface.ts";

const availabilities: Record<Availability, AvailabilityProto> = {
  online: AvailabilityProto.ONLINE, away: AvailabilityProto.AWAY, busy: AvailabilityProto.BUSY, invisible: AvailabilityProto.INVISIBLE,
};

/** The engine's name of an API availability; undefined for UNSPECIFIED or a value the API does not have. */
export const fromAvailability = (a: AvailabilityProto): Availability | undefined =>
  (Object.keys(availabilities) as Availability[]).find((k) => availabilities[k] === a);

/**
 * A presence as the user's own devices see it: the truth, invisible included. A user with the
 * default status (never set, or back to online without text) gets AVAILABILITY_ONLINE.
 */
export const toPresence = (p: PresenceRecord): Presence => create(PresenceSchema, {
  userId: p.userId,
  online: p.online,
  ...(p.lastSeen ? { lastSeen: timestampFromDate(p.lastSeen) } : {}),
  availability: availabilities[p.status?.availability ?? "online"],
  statusText: p.status?.text ?? "",
  ...(p.status?.textExpiresAt ? { statusExpiresAt: timestampFromDate(p.status.textExpiresAt) } : {}),
});

/**
 * A presence as everyone but the user sees it. An invisible user looks offline, without text and
 * with the last-seen time frozen when they went invisible, so that nothing they do while invisible
 * shows. No offline user shows an availability (UNSPECIFIED): it tells how a user who is there may be
 * reached, and an invisible user must look like any other offline one.
 */
export function toPublicPresence(p: PresenceRecord): Presence {
  const invisible = p.status?.availability === "invisible";
  const presence = toPresence(invisible ? { userId: p.userId, online: false, lastSeen: p.status!.hiddenLastSeen } : p);
  if (!presence.online) presence.availability = AvailabilityProto.UNSPECIFIED;
  return presence;
}

/**
 * What a client shows of a presence, last seen aside: two frames with the same key tell nothing new,
 * so a stream sends each change once (a contact seen online stays online however often it is said).
 */
export const presenceKey = (p: Presence): string =>
  `${p.online}|${p.availability}|${p.statusExpiresAt?.seconds ?? ""}|${p.statusText}`;
