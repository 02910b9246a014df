import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Availability, UserStatus } from "../../sessions/interface.ts";
import type { PresenceStore } from "../presence-store.ts";
import type { Row } from "./statements.ts";
import type { Writer } from "./writes.ts";

/** The presence table's statements (migration 10), prepared with the others on every connection. */
export function preparePresenceStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    putStatus: p(`INSERT INTO user_presence (user_id, availability, status_text, text_expires_at, hidden_last_seen) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (user_id) DO UPDATE SET availability = excluded.availability, status_text = excluded.status_text,
      text_expires_at = excluded.text_expires_at, hidden_last_seen = excluded.hidden_last_seen`),
    // The later time wins, whichever write lands last.
    putLastSeen: p(`INSERT INTO user_presence (user_id, last_seen) VALUES (?, ?)
      ON CONFLICT (user_id) DO UPDATE SET last_seen = max(coalesce(last_seen, 0), excluded.last_seen)`),
  };
}
/** The presence statements of one connection. */
type PresenceStatements = ReturnType<typeof preparePresenceStatements>;

/** The presence writes, run by the store's writer (writes.ts) like every other write. */
export const presenceWrites = {
  putUserStatuses(q: PresenceStatements, statuses: readonly { userId: string; status: UserStatus | undefined }[]): void {
    for (const { userId, status: s } of statuses) {
      q.putStatus.run(userId, s?.availability ?? null, s?.text ?? null, s?.textExpiresAt?.getTime() ?? null, s?.hiddenLastSeen?.getTime() ?? null);
    }
  },
  putLastSeen(q: PresenceStatements, times: readonly { userId: string; at: Date }[]): void {
    for (const { userId, at } of times) q.putLastSeen.run(userId, at.getTime());
  },
};

/** The embedded store's {@link PresenceStore}: reads on `db`, writes through the store's writer. */
export function createSqlitePresenceStore(db: DatabaseSync, write: Writer): PresenceStore {
  const page = db.prepare("SELECT * FROM user_presence WHERE user_id > ? ORDER BY user_id LIMIT ?");
  return {
    putUserStatuses: (statuses) => write("putUserStatuses", statuses),
    putLastSeen: (times) => write("putLastSeen", times),
    async *keptPresence(pageSize) {
      for (let after = "", rows = page.all(after, pageSize); rows.length > 0; rows = page.all(after, pageSize)) {
        yield rows.map(toKept);
        after = rows.at(-1)!.user_id as string;
      }
    },
  };
}

/** A time in ms as a column holds it (NULL for none). */
const dateOf = (ms: unknown): Date | undefined => (ms === null || ms === undefined ? undefined : new Date(Number(ms)));

/** A row as a kept presence (a NULL availability is the default status). */
const toKept = (r: Row) => ({
  userId: r.user_id as string,
  status: r.availability === null ? undefined : {
    availability: r.availability as Availability, text: r.status_text as string,
    textExpiresAt: dateOf(r.text_expires_at), hiddenLastSeen: dateOf(r.hidden_last_seen),
  },
  lastSeen: dateOf(r.last_seen),
});
