import type { types } from "cassandra-driver";
import type { Availability } from "../../sessions/interface.ts";
import type { KeptPresence, PresenceStore } from "../presence-store.ts";
import type { Cql } from "./cql.ts";

/** Writes in flight at once for one call: a flush of many users' times must not flood the coordinator. */
const concurrency = 64;

/**
 * The cluster store's presence table (migration 12) behind {@link PresenceStore}: one row per user,
 * the status columns and the last-seen time written apart (each a cell of its own, so neither write
 * undoes the other). A last-seen write carries its own time as the cell's write timestamp, so that
 * the latest time wins however writes from several nodes interleave. Restoring scans the table in
 * pages (a full scan: once per loss of the session map, see sessions/kept-presence.ts).
 */
export function createScyllaPresenceStore(cql: Cql): PresenceStore {
  return {
    async putUserStatuses(statuses) {
      await inChunks(statuses, ({ userId, status: s }) => cql.execute(
        "UPDATE user_presence SET availability = ?, status_text = ?, text_expires_at = ?, hidden_last_seen = ? WHERE user_id = ?",
        [s?.availability ?? null, s?.text ?? null, s?.textExpiresAt ?? null, s?.hiddenLastSeen ?? null, userId]));
    },
    async putLastSeen(times) {
      await inChunks(times, ({ userId, at }) => cql.execute(
        "UPDATE user_presence USING TIMESTAMP ? SET last_seen = ? WHERE user_id = ?", [at.getTime() * 1000, at, userId]));
    },
    async *keptPresence(pageSize) {
      for await (const rows of cql.pages("SELECT * FROM user_presence", [], pageSize)) {
        if (rows.length > 0) yield rows.map(toKept);
      }
    },
  };
}

/** Runs `write` for every item, `concurrency` at a time. */
async function inChunks<T>(items: readonly T[], write: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += concurrency) await Promise.all(items.slice(i, i + concurrency).map(write));
}

/** A row as a kept presence (a null availability is the default status). */
const toKept = (r: types.Row): KeptPresence => {
  const availability = r.get("availability") as Availability | null;
  return {
    userId: r.get("user_id") as string,
    status: availability === null ? undefined : {
      availability, text: (r.get("status_text") as string | null) ?? "",
      textExpiresAt: (r.get("text_expires_at") as Date | null) ?? undefined, hiddenLastSeen: (r.get("hidden_last_seen") as Date | null) ?? undefined,
    },
    lastSeen: (r.get("last_seen") as Date | null) ?? undefined,
  };
};
