import type { DesktopChat } from "../desktop-chat.ts";
import type { DesktopState } from "../view-model.ts";

/** How long a mute may last, as the menu offers it (ms; 0: until unmuted). */
const durations: [string, number][] = [["for 1 hour", 3_600_000], ["for 8 hours", 8 * 3_600_000], ["for 1 day", 86_400_000], ["until I unmute", 0]];

/**
 * The mute of the open conversation, in its header: a menu of how long while it is not muted; while
 * it is, "Unmute" and until when. Kept by the server for every device of mine: no push
 * notification (except a message naming me), no desktop notification, not in the unread total.
 */
export function MuteControl({ chat, state, conversationId }: { chat: DesktopChat; state: DesktopState; conversationId: string }) {
  if (state.muted[conversationId]) {
    const until = state.conversations[conversationId]?.mutedUntil;
    const label = until ? `Muted until ${new Date(until).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" })}` : "Muted";
    return (
      <span class="mute-state" data-testid="muted">
        <span class="muted-label">🔕 {label}</span>
        <button type="button" class="link mute" aria-pressed="true" onClick={() => void chat.setMuted(conversationId, false)}>Unmute</button>
      </span>
    );
  }
  return (
    <select class="mute" aria-label="Mute this conversation" data-testid="mute" value=""
      onChange={(e) => {
        const ms = Number(e.currentTarget.value);
        e.currentTarget.value = "";
        if (!Number.isNaN(ms)) void chat.setMuted(conversationId, true, ms || undefined);
      }}>
      <option value="" disabled>Mute…</option>
      {durations.map(([label, ms]) => <option key={label} value={String(ms)}>{label}</option>)}
    </select>
  );
}
