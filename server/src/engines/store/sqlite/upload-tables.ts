import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { CompletedFile, UploadMessage, UploadRecord, UploadStore } from "../upload-store.ts";
import type { Row } from "./statements.ts";
import type { Writer } from "./writes.ts";

/** The upload table's statements (migration 4), prepared with the others on every connection. */
export function prepareUploadStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    insertUpload: p(`INSERT INTO uploads (id, owner_id, file_name, declared_type, size, sha256, received, last_chunk_offset, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    advanceUpload: p("UPDATE uploads SET received = ?, last_chunk_offset = ? WHERE id = ? AND received = ?"),
    completeUpload: p("UPDATE uploads SET content_type = ?, width = ?, height = ?, thumbnail = ?, sha256 = ?, completed_at = ? WHERE id = ?"),
    claimUpload: p(`UPDATE uploads SET conversation_id = ?1, sender_id = ?2, client_message_id = ?3 WHERE id = ?4 AND
      (conversation_id IS NULL OR (conversation_id = ?1 AND sender_id = ?2 AND client_message_id = ?3))`),
    releaseUpload: p(`UPDATE uploads SET conversation_id = NULL, sender_id = NULL, client_message_id = NULL, seq = NULL
      WHERE id = ? AND conversation_id = ? AND sender_id = ? AND client_message_id = ?`),
    bindUpload: p("UPDATE uploads SET seq = ? WHERE id = ? AND conversation_id = ? AND sender_id = ? AND client_message_id = ?"),
    deleteUpload: p("DELETE FROM uploads WHERE id = ?"),
  };
}
/** The upload statements of one connection. */
type UploadStatements = ReturnType<typeof prepareUploadStatements>;

/** The upload writes, run by the store's writer (writes.ts) like every other write. */
export const uploadWrites = {
  createUpload(q: UploadStatements, u: UploadRecord): void {
    q.insertUpload.run(u.id, u.ownerId, u.fileName, u.declaredType, u.size, u.sha256, u.received, u.lastChunkOffset, u.createdAt.getTime());
  },
  advanceUpload(q: UploadStatements, id: string, from: number, to: number): boolean {
    return q.advanceUpload.run(to, from, id, from).changes === 1;
  },
  completeUpload(q: UploadStatements, id: string, f: CompletedFile): void {
    q.completeUpload.run(f.contentType, f.width, f.height, f.thumbnail ? 1 : 0, f.sha256, f.completedAt.getTime(), id);
  },
  claimUpload(q: UploadStatements, id: string, m: UploadMessage): boolean {
    return q.claimUpload.run(m.conversationId, m.senderId, m.clientMessageId, id).changes === 1;
  },
  releaseUpload(q: UploadStatements, id: string, m: UploadMessage): void {
    q.releaseUpload.run(id, m.conversationId, m.senderId, m.clientMessageId);
  },
  bindUpload(q: UploadStatements, id: string, m: UploadMessage, seq: number): void {
    q.bindUpload.run(seq, id, m.conversationId, m.senderId, m.clientMessageId);
  },
  deleteUpload(q: UploadStatements, id: string): void {
    q.deleteUpload.run(id);
  },
};

/** The embedded store's {@link UploadStore}: reads on `db`, writes through the store's writer. */
export function createSqliteUploadStore(db: DatabaseSync, write: Writer): UploadStore {
  const byId = db.prepare("SELECT * FROM uploads WHERE id = ?");
  const pendingOf = db.prepare("SELECT count(*) AS n FROM uploads WHERE owner_id = ? AND seq IS NULL");
  const ofMessage = db.prepare("SELECT id FROM uploads WHERE conversation_id = ? AND seq = ? ORDER BY id");
  const unsentBefore = db.prepare("SELECT * FROM uploads WHERE seq IS NULL AND created_at < ? ORDER BY created_at LIMIT ?");
  return {
    createUpload: (u) => write("createUpload", u),
    async getUpload(id) {
      const row = byId.get(id);
      return row ? toUpload(row) : undefined;
    },
    async countPendingUploads(ownerId) {
      return Number(pendingOf.get(ownerId)?.n ?? 0);
    },
    advanceUpload: (id, from, to) => write("advanceUpload", id, from, to),
    completeUpload: (id, file) => write("completeUpload", id, file),
    claimUpload: (id, message) => write("claimUpload", id, message),
    releaseUpload: (id, message) => write("releaseUpload", id, message),
    bindUpload: (id, message, seq) => write("bindUpload", id, message, seq),
    async listMessageUploads(conversationId, seq) {
      return ofMessage.all(conversationId, seq).map((r) => r.id as string);
    },
    async listUnsentUploadsBefore(cutoff, limit) {
      return unsentBefore.all(cutoff.getTime(), limit).map(toUpload);
    },
    deleteUpload: (id) => write("deleteUpload", id),
  };
}

const toUpload = (r: Row): UploadRecord => ({
  id: r.id as string, ownerId: r.owner_id as string, fileName: r.file_name as string, declaredType: r.declared_type as string,
  size: Number(r.size), sha256: r.sha256 as string, received: Number(r.received), lastChunkOffset: Number(r.last_chunk_offset),
  createdAt: new Date(Number(r.created_at)),
  file: r.completed_at === null ? undefined : {
    contentType: r.content_type as string, width: Number(r.width), height: Number(r.height), thumbnail: r.thumbnail === 1,
    sha256: r.sha256 as string, completedAt: new Date(Number(r.completed_at)),
  },
  message: r.conversation_id === null ? undefined : {
    conversationId: r.conversation_id as string, senderId: r.sender_id as string, clientMessageId: r.client_message_id as string,
  },
  seq: r.seq === null ? undefined : Number(r.seq),
});
