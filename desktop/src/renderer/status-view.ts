import { displayName, messageSummary, statusTextAt, type UserStatus } from "@chat/client";
import type { DesktopState, Upload } from "./view-model.ts";

/**
 * What the desktop shows around the send box and next to names for issue 13: the reply or edit
 * under way, the uploads' progress, and presence with availability and custom status.
 */

/**
 * "online", "away", "busy · in a meeting", "offline": a person's presence with their availability
 * (only while connected: an offline person's choice says nothing) and custom text, as the header and
 * my own status line show it.
 */
export function presenceLabel(online: boolean, status: UserStatus | undefined, now: number): string {
  const availability = status?.availability ?? "online";
  const base = !online ? "offline" : availability;
  const text = statusTextAt(status, now);
  return text ? `${base} · ${text}` : base;
}

/** How a user's dot looks: their availability while connected, else offline. */
export type PresenceDot = "online" | "away" | "busy" | "offline";

/** The dot of a user (myself included: my own devices see my choice, invisible showing as offline). */
export function presenceDot(state: DesktopState, userId: string): PresenceDot {
  const availability = state.statuses[userId]?.availability ?? "online";
  if (state.online[userId] !== true || availability === "invisible") return "offline";
  return availability;
}

/** The bar over the send box: "Replying to @bob: …" or "Editing your message", or undefined. */
export function composeBar(state: DesktopState): { kind: "reply" | "edit"; text: string } | undefined {
  const mode = state.compose;
  const c = mode && mode.conversationId === state.openId ? state.conversations[mode.conversationId] : undefined;
  const m = c?.messages.find((x) => x.seq === mode!.seq);
  if (!mode || !m) return undefined;
  if (mode.kind === "edit") return { kind: "edit", text: "Editing your message" };
  return { kind: "reply", text: `Replying to ${m.senderId === state.me ? "yourself" : displayName(state, m.senderId)}: ${messageSummary(m)}` };
}

/** The uploads of the open conversation, with their progress in percent. */
export function uploadsShown(state: DesktopState): (Upload & { percent: number })[] {
  return state.uploads.filter((u) => u.conversationId === state.openId).map((u) => ({ ...u, percent: u.size > 0 ? Math.floor((u.received / u.size) * 100) : 100 }));
}

/** My own presence as my devices see it: my dot and "busy · in a meeting". */
export function myStatus(state: DesktopState, now = Date.now()): { dot: PresenceDot; label: string } {
  const mine = state.statuses[state.me];
  const connected = state.connection === "online";
  const label = connected && mine?.availability === "invisible" ? presenceLabel(true, mine, now).replace(/^invisible/, "invisible: others see you offline") : presenceLabel(connected, mine, now);
  return { dot: connected ? presenceDot({ ...state, online: { ...state.online, [state.me]: true } }, state.me) : "offline", label };
}


/** How long a custom status text lasts, as the status editor offers it. */
export const statusDurations = [
  { id: "never", label: "Don't clear" },
  { id: "30m", label: "30 minutes" },
  { id: "1h", label: "1 hour" },
  { id: "4h", label: "4 hours" },
  { id: "today", label: "Today" },
] as const;

/** One of {@link statusDurations}. */
export type StatusDuration = (typeof statusDurations)[number]["id"];

/** When a status text set at `now` for `duration` clears (ms since the epoch), or undefined for never. */
export function statusExpiry(duration: StatusDuration, now: number): number | undefined {
  switch (duration) {
    case "never":
      return undefined;
    case "30m":
      return now + 30 * 60_000;
    case "1h":
      return now + 60 * 60_000;
    case "4h":
      return now + 4 * 60 * 60_000;
    case "today": {
      const end = new Date(now);
      end.setHours(23, 59, 59, 999);
      return end.getTime();
    }
  }
}
