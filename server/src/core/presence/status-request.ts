import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Availability as AvailabilityProto, type SetStatusRequest } from "@chat/gen/chat/v1/user_pb.js";
import type { StatusChange } from "../../engines/sessions/interface.ts";
import { invalidArgument } from "../errors.ts";
import { requireLength } from "../validate.ts";
import { fromAvailability } from "./presence-view.ts";

/** The longest custom status text, in characters (user.proto). */
export const maxStatusTextLength = 100;

/** How far ahead a status text may be set to clear: a year and a day (beyond that, set none). */
export const maxStatusLifetimeMs = 366 * 86_400_000;

/** Control characters (newlines, tabs, escapes): a status is one line that every client can draw. */
const controlCharacters = /\p{Cc}/u;

/**
 * Reads a SetStatusRequest into the change it asks for, or throws InvalidArgument naming what is
 * wrong. The text is trimmed; a blank one clears the status text.
 */
export function statusChangeOf(req: SetStatusRequest, now: Date): StatusChange {
  const change: StatusChange = {};
  if (req.availability !== AvailabilityProto.UNSPECIFIED) {
    const availability = fromAvailability(req.availability);
    if (!availability) throw invalidArgument(`availability ${req.availability} is not one of ONLINE (1), AWAY (2), BUSY (3), INVISIBLE (4)`);
    change.availability = availability;
  }
  if (!req.setText) {
    if (req.statusText !== "" || req.statusExpiresAt) throw invalidArgument("status_text and status_expires_at are only read with set_text: true");
    if (!change.availability) throw invalidArgument("nothing to change: set an availability, or set_text to change the status text");
    return change;
  }
  const text = requireLength(req.statusText.trim(), "status_text", 0, maxStatusTextLength);
  if (controlCharacters.test(text)) throw invalidArgument("status_text must be one line, without control characters");
  change.text = { text, expiresAt: undefined };
  if (req.statusExpiresAt) {
    if (text === "") throw invalidArgument("status_expires_at needs a status_text to clear (leave it unset when clearing the text)");
    const expiresAt = timestampDate(req.statusExpiresAt);
    const ms = expiresAt.getTime();
    if (!Number.isFinite(ms)) throw invalidArgument("status_expires_at is not a valid time");
    if (ms <= now.getTime()) throw invalidArgument("status_expires_at is in the past");
    if (ms > now.getTime() + maxStatusLifetimeMs) throw invalidArgument("status_expires_at is more than a year ahead; leave it unset for a text that does not clear");
    change.text.expiresAt = expiresAt;
  }
  return change;
}
