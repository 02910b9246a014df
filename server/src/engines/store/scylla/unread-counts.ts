import type { types } from "cassandra-driver";
import type { NewMessage, SeqCount, UnreadStore } from "../interface.ts";
import { everyoneKey, mentionKeys } from "../unread-index.ts";
import type { Cql, Statement } from "./cql.ts";

/**
 * The mention rows of a message (at `seq`: its own, or an edited message's), written by its sequencer in the message's batch and with its
 * timestamp (message-log.ts). Not fenced like the message rows: a row of a batch whose message a
 * takeover shadowed may stay, which is why readers check the messages (see UnreadStore.mentionSeqs).
 */
export function mentionStatements(m: NewMessage, seq: number, timestamp: types.Long): Statement[] {
  return mentionKeys(m).map((userId) => ({
    query: "INSERT INTO mentions_by_member (conversation_id, user_id, seq, sender_id) VALUES (?, ?, ?, ?) USING TIMESTAMP ?",
    params: [m.conversationId, userId, seq, m.senderId, timestamp],
  }));
}

/** Seqs in one `IN` list at most: Cassandra's guardrails warn past 100 clustering keys in one. */
const maxInList = 100;

/** The reads of unread and mention counts on the cluster store: one query per bucket or member partition. */
export function createScyllaUnreadStore(cql: Cql, bucketSize: number): UnreadStore {
  return {
    async countsAt(conversationId, seqs) {
      // One query per bucket and per {@link maxInList} seqs (the marks of a large group's members).
      const byBucket = new Map<number, number[]>();
      for (const seq of new Set(seqs.filter((s) => s > 0))) {
        const bucket = Math.floor(seq / bucketSize);
        byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), seq]);
      }
      const queries = [...byBucket].flatMap(([bucket, inBucket]) =>
        Array.from({ length: Math.ceil(inBucket.length / maxInList) }, (_, i) => [bucket, inBucket.slice(i * maxInList, (i + 1) * maxInList)] as const));
      const pages = await Promise.all(queries.map(([bucket, inBucket]) => cql.execute(
        "SELECT seq, counted, last_counted_seq FROM messages WHERE conversation_id = ? AND bucket = ? AND seq IN ?",
        [conversationId, bucket, inBucket])));
      // Rows from before the counts existed have none: every message then was countable.
      return pages.flatMap((page) => page.rows.map((r): SeqCount => {
        const seq = Number(r.get("seq"));
        return { seq, counted: Number(r.get("counted") ?? seq), lastCountedSeq: Number(r.get("last_counted_seq") ?? seq) };
      }));
    },
    async mentionSeqs(conversationId, userId, afterSeq, limit) {
      const query = "SELECT seq, sender_id FROM mentions_by_member WHERE conversation_id = ? AND user_id = ? AND seq > ? LIMIT ?";
      const [named, everyone] = await Promise.all([userId, everyoneKey].map((key) => cql.execute(query, [conversationId, key, afterSeq, limit])));
      const seqs = new Set(named!.rows.map((r) => Number(r.get("seq"))));
      for (const r of everyone!.rows) if (r.get("sender_id") !== userId) seqs.add(Number(r.get("seq")));
      return [...seqs].sort((x, y) => y - x).slice(0, limit);
    },
  };
}
