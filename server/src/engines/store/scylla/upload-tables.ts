import type { types } from "cassandra-driver";
import type { UploadMessage, UploadRecord, UploadStore } from "../upload-store.ts";
import type { Cql } from "./cql.ts";

/**
 * The cluster store's uploads (migration 6, migrations.ts): `uploads` by id holds everything;
 * `pending_uploads_by_owner` lists a user's uploads not bound to a message yet (the per-user bound
 * counts one partition, the expiry scans this small table rather than every upload ever made; a
 * claim keeps the row until its bind, so that a send never stored leaves it for the expiry);
 * `uploads_by_message` finds a message's files when it is deleted. Progress and claims are lightweight transactions on the
 * `uploads` row, so that two nodes cannot both count one chunk or both send one file.
 */
export function createScyllaUploadStore(cql: Cql): UploadStore {
  const claimMatches = (row: types.Row | undefined, m: UploadMessage) => !!row && row.get("conversation_id") === m.conversationId &&
    row.get("sender_id") === m.senderId && row.get("client_message_id") === m.clientMessageId;
  async function getUpload(id: string): Promise<UploadRecord | undefined> {
    // Serial: progress and claims are LWTs, and a read right after one must see it.
    const row = (await cql.serialRead("SELECT * FROM uploads WHERE id = ?", [id])).first();
    return row?.get("owner_id") ? toUpload(row) : undefined;
  }
  return {
    getUpload,
    async createUpload(u) {
      await cql.batch([
        { query: `INSERT INTO uploads (id, owner_id, file_name, declared_type, size, sha256, received, last_chunk_offset, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [u.id, u.ownerId, u.fileName, u.declaredType, u.size, u.sha256, u.received, u.lastChunkOffset, u.createdAt] },
        { query: "INSERT INTO pending_uploads_by_owner (owner_id, upload_id, created_at) VALUES (?, ?, ?)", params: [u.ownerId, u.id, u.createdAt] },
      ]);
    },
    async countPendingUploads(ownerId) {
      return (await cql.all("SELECT upload_id FROM pending_uploads_by_owner WHERE owner_id = ?", [ownerId])).length;
    },
    async advanceUpload(id, from, to) {
      return (await cql.cas("UPDATE uploads SET received = ?, last_chunk_offset = ? WHERE id = ? IF received = ?", [to, from, id, from])).applied;
    },
    async completeUpload(id, f) {
      await cql.execute("UPDATE uploads SET content_type = ?, width = ?, height = ?, thumbnail = ?, sha256 = ?, completed_at = ? WHERE id = ?",
        [f.contentType, f.width, f.height, f.thumbnail, f.sha256, f.completedAt, id]);
    },
    async claimUpload(id, m) {
      const result = await cql.cas("UPDATE uploads SET conversation_id = ?, sender_id = ?, client_message_id = ? WHERE id = ? IF conversation_id = null",
        [m.conversationId, m.senderId, m.clientMessageId, id]);
      // A retry (of the send, or of the LWT whose first try landed) finds its own claim: a success too.
      // The not-applied answer holds only the condition's column, so the claim is read whole.
      return result.applied || claimMatches((await cql.serialRead("SELECT * FROM uploads WHERE id = ?", [id])).first() ?? undefined, m);
    },
    async releaseUpload(id, m) {
      const result = await cql.cas(`UPDATE uploads SET conversation_id = null, sender_id = null, client_message_id = null
        WHERE id = ? IF conversation_id = ? AND sender_id = ? AND client_message_id = ?`, [id, m.conversationId, m.senderId, m.clientMessageId]);
      const row = result.applied ? (await cql.execute("SELECT owner_id, created_at FROM uploads WHERE id = ?", [id])).first() : undefined;
      if (row) await cql.execute("INSERT INTO pending_uploads_by_owner (owner_id, upload_id, created_at) VALUES (?, ?, ?)", [row.get("owner_id"), id, row.get("created_at")]);
    },
    async bindUpload(id, m, seq) {
      const row = (await cql.serialRead("SELECT * FROM uploads WHERE id = ?", [id])).first();
      if (!row || !claimMatches(row, m)) return;
      await cql.batch([
        { query: "UPDATE uploads SET seq = ? WHERE id = ?", params: [seq, id] },
        { query: "INSERT INTO uploads_by_message (conversation_id, seq, upload_id) VALUES (?, ?, ?)", params: [m.conversationId, seq, id] },
        { query: "DELETE FROM pending_uploads_by_owner WHERE owner_id = ? AND upload_id = ?", params: [row.get("owner_id"), id] },
      ]);
    },
    async listMessageUploads(conversationId, seq) {
      return (await cql.all("SELECT upload_id FROM uploads_by_message WHERE conversation_id = ? AND seq = ?", [conversationId, seq]))
        .map((r) => r.get("upload_id") as string);
    },
    /** A paged scan of the pending uploads (at most a day's worth: older ones are what this finds). */
    async listUnsentUploadsBefore(cutoff, limit) {
      const found: UploadRecord[] = [];
      for await (const page of cql.pages("SELECT owner_id, upload_id, created_at FROM pending_uploads_by_owner")) {
        for (const row of page) {
          if (found.length >= limit) return found;
          if ((row.get("created_at") as Date) >= cutoff) continue;
          const upload = await getUpload(row.get("upload_id"));
          if (upload && upload.seq === undefined) found.push(upload);
          // A pending row whose upload is gone or bound is a leftover of a crash between two writes.
          else await cql.execute("DELETE FROM pending_uploads_by_owner WHERE owner_id = ? AND upload_id = ?", [row.get("owner_id"), row.get("upload_id")]);
        }
      }
      return found;
    },
    async deleteUpload(id) {
      const row = (await cql.execute("SELECT * FROM uploads WHERE id = ?", [id])).first();
      if (!row?.get("owner_id")) return;
      const seq = row.get("seq") as types.Long | null;
      await cql.batch([
        { query: "DELETE FROM uploads WHERE id = ?", params: [id] },
        { query: "DELETE FROM pending_uploads_by_owner WHERE owner_id = ? AND upload_id = ?", params: [row.get("owner_id"), id] },
        ...(seq !== null && row.get("conversation_id")
          ? [{ query: "DELETE FROM uploads_by_message WHERE conversation_id = ? AND seq = ? AND upload_id = ?", params: [row.get("conversation_id"), seq, id] }]
          : []),
      ]);
    },
  };
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const toUpload = (r: types.Row): UploadRecord => ({
  id: r.get("id"), ownerId: r.get("owner_id"), fileName: r.get("file_name"), declaredType: r.get("declared_type"),
  size: num(r.get("size")), sha256: r.get("sha256"), received: num(r.get("received")), lastChunkOffset: num(r.get("last_chunk_offset")),
  createdAt: r.get("created_at"),
  file: r.get("completed_at") ? {
    contentType: r.get("content_type"), width: num(r.get("width")), height: num(r.get("height")), thumbnail: r.get("thumbnail") === true,
    sha256: r.get("sha256"), completedAt: r.get("completed_at"),
  } : undefined,
  message: r.get("conversation_id") ? {
    conversationId: r.get("conversation_id"), senderId: r.get("sender_id"), clientMessageId: r.get("client_message_id"),
  } : undefined,
  seq: r.get("seq") === null || r.get("seq") === undefined ? undefined : Number(r.get("seq")),
});
