import type { DatabaseSync } from "node:sqlite";
import type { SeqCount, UnreadStore } from "../interface.ts";
import { everyoneKey } from "../unread-index.ts";
import type { Statements } from "./statements.ts";

/** The reads of unread and mention counts (UnreadStore) on the main thread's connection. */
export function createSqliteUnreadStore(db: DatabaseSync, q: Statements): UnreadStore {
  return {
    async countsAt(conversationId, seqs) {
      const wanted = [...new Set(seqs.filter((s) => s > 0))];
      if (wanted.length === 0) return [];
      // Rows from before the counts existed have none: every message then was countable.
      return db.prepare(`SELECT seq, COALESCE(counted, seq) AS counted, COALESCE(last_counted_seq, seq) AS last_counted_seq
        FROM messages WHERE conversation_id = ? AND seq IN (${wanted.map(() => "?").join(",")})`)
        .all(conversationId, ...wanted)
        .map((r): SeqCount => ({ seq: Number(r.seq), counted: Number(r.counted), lastCountedSeq: Number(r.last_counted_seq) }));
    },
    async mentionSeqs(conversationId, userId, afterSeq, limit) {
      return q.mentionSeqs.all(conversationId, userId, afterSeq, limit, everyoneKey).map((r) => Number(r.seq));
    },
  };
}
