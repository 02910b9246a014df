import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { UserDirectory } from "@chat/client";
import { PushProvider } from "@chat/gen/chat/v1/push_pb.js";
import { connectLoggedIn } from "../connection.ts";
import { conversationTitle, formatTime } from "../format.ts";
import { resolveConversation } from "../targets.ts";
import type { GlobalOptions } from "./auth.ts";
import { parseDuration } from "./status.ts";

/** Flags of `chat mute`. */
export interface MuteOptions extends GlobalOptions {
  /** How long: `30m`, `8h`, `1d`; until unmuted when not given. */
  for?: string;
  json?: boolean;
}

/**
 * `chat mute <conversation> [--for 8h]` and `chat unmute <conversation>`: no push notifications (except
 * for a message naming me), no bell and no unread total for it, on every device of mine.
 */
export async function mute(target: string, muted: boolean, options: MuteOptions): Promise<void> {
  const forMs = options.for !== undefined ? parseDuration(options.for) : undefined;
  if (!muted && forMs !== undefined) throw new ConnectError("--for says how long a mute lasts: unmuting ends it now", Code.InvalidArgument);
  const { clients, config } = await connectLoggedIn(options);
  const conversation = await resolveConversation(clients, target, config.userId);
  const { conversation: after } = await clients.conversations.muteConversation({
    conversationId: conversation.id, muted, ...(forMs !== undefined ? { until: timestampFromMs(Date.now() + forMs) } : {}),
  });
  const c = after ?? conversation;
  const until = c.muted && c.mutedUntil ? timestampDate(c.mutedUntil) : undefined;
  const users = new UserDirectory(clients.users);
  await users.load(c.members.map((m) => m.userId));
  const title = conversationTitle(c, config.userId, users);
  if (options.json) {
    console.log(JSON.stringify({ conversation: title.replace(/^@/, ""), muted: c.muted, ...(until ? { mutedUntil: until.toISOString() } : {}), conversationId: c.id }));
  } else {
    console.log(c.muted ? `muted ${title}${until ? ` until ${formatTime(until, "date")}` : ""}` : `unmuted ${title}`);
  }
}

const providerNames: Partial<Record<PushProvider, string>> = {
  [PushProvider.WEB_PUSH]: "web push", [PushProvider.FCM]: "fcm", [PushProvider.APNS]: "apns",
};

/**
 * `chat push [previews on|off] [--json]`: whether notifications show the message text, set for every
 * device of mine; then what the server can push through and whether this device has an endpoint (a
 * terminal has none: it is reached while connected, and the desktop app or a phone registers theirs).
 */
export async function push(setting: string | undefined, value: string | undefined, options: GlobalOptions & { json?: boolean }): Promise<void> {
  if (setting !== undefined && setting !== "previews") throw new ConnectError(`unknown push setting "${setting}": previews`, Code.InvalidArgument);
  if (setting !== undefined && value !== "on" && value !== "off") throw new ConnectError("previews is on or off", Code.InvalidArgument);
  const { clients } = await connectLoggedIn(options);
  if (setting) await clients.push.setPushSettings({ settings: { showPreviews: value === "on" } });
  const res = await clients.push.getPushSettings({});
  const previews = res.settings?.showPreviews === true;
  const providers = res.providers.map((p) => providerNames[p] ?? String(p));
  if (options.json) {
    console.log(JSON.stringify({ previews, providers, webPushConfigured: res.webPushPublicKey !== "", thisDeviceRegistered: res.endpoint !== undefined }));
    return;
  }
  console.log(`previews ${previews ? "on: notifications show the message text" : "off: notifications say only who wrote where"}`);
  console.log(`server pushes through: ${providers.length ? providers.join(", ") : "nothing (no provider configured)"}`);
}
