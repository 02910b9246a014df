/**
 * File uploads (FileService): where each upload stands, what its file turned out to be, and the
 * message it was sent in. The bytes are in the blob store; these records say which bytes count.
 * Part of the {@link import("./interface.ts").Store}: both engines implement it and pass
 * `upload-contract.spec.ts`.
 */
export interface UploadStore {
  /** Records a new upload (received 0). */
  createUpload(upload: UploadRecord): Promise<void>;
  /** An upload by id; undefined when unknown or deleted. */
  getUpload(id: string): Promise<UploadRecord | undefined>;
  /**
   * Uploads of a user not sent yet (finished or not, claimed or not: not bound to a message's seq):
   * what the per-user bound counts.
   */
  countPendingUploads(ownerId: string): Promise<number>;
  /**
   * Records a chunk: `received` goes from `from` to `to`, and `lastChunkOffset` becomes `from`, only if
   * `received` is still `from` (a compare-and-set, so that two writers of one offset cannot both count).
   * Resolves whether it was applied.
   */
  advanceUpload(id: string, from: number, to: number): Promise<boolean>;
  /** Records what the finished file is (its sniffed type, image size, thumbnail). */
  completeUpload(id: string, file: CompletedFile): Promise<void>;
  /**
   * Claims a finished upload for a message: succeeds when it was claimed by no message, or by this
   * same one (a retried send). Resolves false when another message has it.
   */
  claimUpload(id: string, message: UploadMessage): Promise<boolean>;
  /** Undoes a claim of this message (a send that failed after claiming); a claim of another message stays. */
  releaseUpload(id: string, message: UploadMessage): Promise<void>;
  /** Records the seq the claiming message got, so that the message's files can be found from it. */
  bindUpload(id: string, message: UploadMessage, seq: number): Promise<void>;
  /** Ids of the uploads sent in one message. */
  listMessageUploads(conversationId: string, seq: number): Promise<string[]>;
  /**
   * Up to `limit` uploads not bound to a message's seq that were created before `cutoff`: never
   * claimed, or claimed by a send that may never have been stored (`message` set, `seq` unset).
   */
  listUnsentUploadsBefore(cutoff: Date, limit: number): Promise<UploadRecord[]>;
  /** Forgets an upload (its blobs are the caller's to delete first). */
  deleteUpload(id: string): Promise<void>;
}

/** One upload. Sizes and offsets are byte counts. */
export interface UploadRecord {
  /** Also the attachment id. */
  id: string;
  ownerId: string;
  fileName: string;
  /** What the client said the type is. */
  declaredType: string;
  size: number;
  /** Lower-case hex SHA-256 to check at completion; "" for none. */
  sha256: string;
  received: number;
  /** Where the last chunk received starts (a resend of it is accepted); 0 before any. */
  lastChunkOffset: number;
  createdAt: Date;
  /** Set by `completeUpload`. */
  file: CompletedFile | undefined;
  /** Set by `claimUpload`. */
  message: UploadMessage | undefined;
  /** Set by `bindUpload`: the seq of the message it was sent in. */
  seq: number | undefined;
}

/** What a finished upload's file turned out to be. */
export interface CompletedFile {
  /** Sniffed from the bytes, else the declared type. */
  contentType: string;
  /** Pixel size of an image; 0 otherwise. */
  width: number;
  height: number;
  /** Whether a thumbnail blob was made. */
  thumbnail: boolean;
  /** Lower-case hex SHA-256 of the bytes (also what `UploadRecord.sha256` reads once completed). */
  sha256: string;
  completedAt: Date;
}

/** The message an upload is sent in, before it has a seq: a send's idempotency key. */
export interface UploadMessage {
  conversationId: string;
  senderId: string;
  clientMessageId: string;
}
