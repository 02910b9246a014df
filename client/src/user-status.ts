import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Availability, type Presence } from "@chat/gen/chat/v1/user_pb.js";

/**
 * A user's chosen status, shown next to their presence: online, away, busy (do not disturb) or, for
 * my own devices only, invisible; and an optional custom text that clears by itself at its expiry.
 */

/** The availability a person picks, by name. */
export type AvailabilityName = "online" | "away" | "busy" | "invisible";

/** What a Presence says beyond online/offline. */
export interface UserStatus {
  availability: AvailabilityName;
  /** "in a meeting"; "" for none. */
  text: string;
  /** When `text` clears by itself (ms since the epoch); undefined for never. */
  textExpiresAt?: number;
}

const names: Record<Availability, AvailabilityName> = {
  [Availability.UNSPECIFIED]: "online", [Availability.ONLINE]: "online", [Availability.AWAY]: "away",
  [Availability.BUSY]: "busy", [Availability.INVISIBLE]: "invisible",
};

/** The wire value of an availability name. */
export const availabilityValues: Record<AvailabilityName, Availability> = {
  online: Availability.ONLINE, away: Availability.AWAY, busy: Availability.BUSY, invisible: Availability.INVISIBLE,
};

/** The status a Presence carries. */
export function statusOf(p: Presence): UserStatus {
  const expires = p.statusExpiresAt ? timestampMs(p.statusExpiresAt) : undefined;
  return { availability: names[p.availability] ?? "online", text: p.statusText, ...(expires !== undefined ? { textExpiresAt: expires } : {}) };
}

/** The custom text still in force at `now` ("" once expired: the server clears it too, but may not say so). */
export function statusTextAt(status: UserStatus | undefined, now: number): string {
  if (!status?.text) return "";
  return status.textExpiresAt !== undefined && status.textExpiresAt <= now ? "" : status.text;
}

/**
 * "away · in a meeting", "busy", "in a meeting", or "" for plain online with no text: what goes
 * after a person's presence dot. Offline people show only their text (their availability is stale).
 */
export function statusLabel(status: UserStatus | undefined, online: boolean, now: number): string {
  const text = statusTextAt(status, now);
  const availability = status && online && status.availability !== "online" ? status.availability : "";
  return [availability, text].filter(Boolean).join(" · ");
}
