import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { type AvailabilityName, availabilityValues, statusOf, type UserStatus } from "@chat/client";
import { PresenceSchema } from "@chat/gen/chat/v1/user_pb.js";
import { connectLoggedIn } from "../connection.ts";
import { formatTime } from "../format.ts";
import type { GlobalOptions } from "./auth.ts";

/** Flags of `chat status`. */
export interface StatusOptions extends GlobalOptions {
  /** A custom status text ("" clears it). */
  text?: string;
  /** How long the text lasts: `30m`, `2h`, `1d`. */
  for?: string;
  /** Clears the custom text. */
  clear?: boolean;
  json?: boolean;
}

const units: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30m", "2h", "1d" (or minutes alone) in ms; InvalidArgument for anything else. */
export function parseDuration(value: string): number {
  const match = /^([0-9]{1,5})\s*([mhd]?)$/.exec(value.trim());
  const ms = match ? Number(match[1]) * units[match[2] || "m"]! : 0;
  if (ms <= 0 || ms > 366 * units.d!) throw new ConnectError(`"${value}" is not a duration: 30m, 2h or 1d (up to a year)`, Code.InvalidArgument);
  return ms;
}

/**
 * `chat status [online|away|busy|invisible] [--text t [--for 1h]] [--clear]`: sets my availability
 * and custom status text, then prints it; with nothing to change, prints it as it is.
 */
export async function status(availability: string | undefined, options: StatusOptions): Promise<void> {
  if (availability !== undefined && !(availability in availabilityValues)) {
    throw new ConnectError(`unknown status "${availability}": online, away, busy or invisible`, Code.InvalidArgument);
  }
  if (options.for !== undefined && options.text === undefined) throw new ConnectError("--for says how long a --text lasts: give the text too", Code.InvalidArgument);
  if (options.clear && options.text !== undefined) throw new ConnectError("--clear and --text contradict each other: give one", Code.InvalidArgument);
  const expiresAt = options.for !== undefined ? Date.now() + parseDuration(options.for) : undefined;
  const { clients, config } = await connectLoggedIn(options);
  const changesText = options.text !== undefined || options.clear === true;
  const presence = availability !== undefined || changesText
    ? (await clients.users.setStatus({
      availability: availability ? availabilityValues[availability as AvailabilityName] : 0,
      setText: changesText,
      statusText: options.clear ? "" : options.text ?? "",
      ...(expiresAt !== undefined ? { statusExpiresAt: timestampFromMs(expiresAt) } : {}),
    })).presence
    : (await clients.users.getUsers({ userIds: [config.userId] })).presence[0];
  const now = statusOf(presence ?? create(PresenceSchema, { userId: config.userId }));
  console.log(options.json ? statusJson(now) : statusSentence(now));
}

/** "busy · in a meeting (until 14:30)", "online". */
export function statusSentence(s: UserStatus): string {
  const until = s.textExpiresAt !== undefined ? ` (until ${formatTime(new Date(s.textExpiresAt), new Date(s.textExpiresAt).toDateString() === new Date().toDateString() ? "time" : "date")})` : "";
  return [s.availability, s.text ? `${s.text}${until}` : ""].filter(Boolean).join(" · ");
}

/** `{"availability":"busy","text":"in a meeting","textExpiresAt":"…"}` */
function statusJson(s: UserStatus): string {
  return JSON.stringify({ availability: s.availability, text: s.text, ...(s.textExpiresAt !== undefined ? { textExpiresAt: new Date(s.textExpiresAt).toISOString() } : {}) });
}
