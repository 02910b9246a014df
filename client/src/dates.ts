/**
 * Dates as a chat shows them, in local time: a label for each day in a conversation ("Today",
 * "Yesterday", "Monday", "3 March 2025") and a short relative time in the conversation list.
 */

const dayMs = 86_400_000;

/** The local calendar day of a time, as a number that grows by one per day. */
function dayNumber(ms: number): number {
  const d = new Date(ms);
  return Math.round(new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() / dayMs);
}

/** True when both times fall on the same local day. */
export function sameDay(a: number, b: number): boolean {
  return dayNumber(a) === dayNumber(b);
}

/** The separator above a day's first message: "Today", "Yesterday", a weekday within the week, else the date. */
export function dayLabel(ms: number, now: number): string {
  const days = dayNumber(now) - dayNumber(ms);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  const date = new Date(ms);
  if (days > 1 && days < 7) return date.toLocaleDateString("en-GB", { weekday: "long" });
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return date.toLocaleDateString("en-GB", { day: "numeric", month: "long", ...(sameYear ? {} : { year: "numeric" }) });
}

/** The time of a conversation's last activity in the list: "now", "5m", "3h", then "Yesterday", "Tue", "12 Mar". */
export function relativeTime(ms: number, now: number): string {
  const ago = now - ms;
  if (ago < 60_000) return "now";
  if (ago < 3_600_000) return `${Math.floor(ago / 60_000)}m`;
  const days = dayNumber(now) - dayNumber(ms);
  if (days === 0) return `${Math.floor(ago / 3_600_000)}h`;
  if (days === 1) return "Yesterday";
  const date = new Date(ms);
  if (days < 7) return date.toLocaleDateString("en-GB", { weekday: "short" });
  return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", ...(date.getFullYear() === new Date(now).getFullYear() ? {} : { year: "2-digit" }) });
}
