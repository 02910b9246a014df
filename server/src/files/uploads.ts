import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { create } from "@bufbuild/protobuf";
import type {
  CompleteUploadRequest, CreateUploadRequest, CreateUploadResponse, GetUploadRequest, GetUploadResponse, UploadChunkRequest,
} from "@chat/gen/chat/v1/file_pb.js";
import { type Attachment, AttachmentSchema } from "@chat/gen/chat/v1/message_pb.js";
import type { ConnectError } from "@connectrpc/connect";
import type { Caller } from "../core/caller.ts";
import { failedPrecondition, invalidArgument, notFound, resourceExhausted } from "../core/errors.ts";
import type { BlobStore } from "../engines/blobs/interface.ts";
import type { Store } from "../engines/store/interface.ts";
import type { UploadRecord } from "../engines/store/upload-store.ts";
import { blobKeys, chunkOffset } from "./blob-keys.ts";
import { isExpiryClaim } from "./expiry.ts";
import { inspectImage, isThumbnailable, sniffBytes, sniffContentType } from "./inspect.ts";
import type { FileLimits } from "./limits.ts";
import { SerialQueues } from "./serial-queues.ts";

/**
 * FileService's uploads: a file arrives in chunks, each stored as a blob of its own and counted in
 * the store by compare-and-set (so a chunk is counted once, and a client that lost an answer asks
 * GetUpload where to resume). CompleteUpload assembles the chunks into one blob, checks the SHA-256,
 * sniffs the type and makes an image's thumbnail.
 */
export class Uploads {
  /** Chunks of one upload run one at a time on this node (a client retrying a chunk it sent twice). */
  private readonly queues = new SerialQueues();

  private readonly store: Store;
  private readonly blobs: BlobStore;
  private readonly limits: FileLimits;
  private readonly onError: (error: unknown) => void;

  constructor(store: Store, blobs: BlobStore, limits: FileLimits, onError: (error: unknown) => void) {
    this.store = store;
    this.blobs = blobs;
    this.limits = limits;
    this.onError = onError;
  }

  /** Starts an upload: validates the name, size, type and hash, and the caller's number of pending uploads. */
  async create(caller: Caller, req: CreateUploadRequest): Promise<CreateUploadResponse> {
    const fileName = baseName(req.fileName);
    const nameBytes = Buffer.byteLength(fileName);
    if (nameBytes < 1 || nameBytes > 255 || /[\p{Cc}]/u.test(fileName)) throw invalidArgument("file_name must be 1 to 255 bytes without control characters, after any directory part");
    if (req.size < 1n) throw invalidArgument("size must be at least 1 byte");
    if (req.size > BigInt(this.limits.maxFileSize)) throw resourceExhausted(`the file is larger than the limit of ${this.limits.maxFileSize} bytes`);
    const declaredType = req.contentType || "application/octet-stream";
    if (!/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i.test(declaredType)) throw invalidArgument("content_type must be a media type such as image/png");
    if (req.sha256 && !/^[0-9a-f]{64}$/.test(req.sha256)) throw invalidArgument("sha256 must be 64 lower-case hex digits");
    if (await this.store.countPendingUploads(caller.userId) >= this.limits.maxPendingUploads) {
      throw resourceExhausted(`you have ${this.limits.maxPendingUploads} uploads not sent yet; send or finish them first (unsent uploads expire)`);
    }
    const id = randomUUID();
    await this.store.createUpload({
      id, ownerId: caller.userId, fileName, declaredType: declaredType.toLowerCase(), size: Number(req.size), sha256: req.sha256,
      received: 0, lastChunkOffset: 0, createdAt: new Date(), file: undefined, message: undefined, seq: undefined,
    });
    return { $typeName: "chat.v1.CreateUploadResponse", uploadId: id, maxChunkSize: this.limits.maxChunkSize, maxSize: BigInt(this.limits.maxFileSize) };
  }

  /** Stores the chunk at `offset` (which must be where the upload stands) and resolves the bytes received. */
  chunk(caller: Caller, req: UploadChunkRequest): Promise<bigint> {
    return this.queues.run(req.uploadId, () => this.chunkNow(caller, req));
  }

  private async chunkNow(caller: Caller, req: UploadChunkRequest): Promise<bigint> {
    const upload = await this.pending(caller, req.uploadId);
    if (upload.file) throw failedPrecondition(`upload ${upload.id} is completed already`);
    const offset = Number(req.offset);
    const length = req.data.length;
    if (length < 1 || length > this.limits.maxChunkSize) throw invalidArgument(`data must be 1 to ${this.limits.maxChunkSize} bytes`);
    if (offset + length > upload.size) throw invalidArgument(`the chunk ends at ${offset + length}, past the declared size of ${upload.size}`);
    if (isResend(upload, offset, length)) return BigInt(upload.received);
    if (offset !== upload.received) throw failedPrecondition(`expected offset ${upload.received}, got ${offset}`);
    await this.blobs.put(blobKeys.chunk(upload.id, offset), req.data, length);
    if (await this.store.advanceUpload(upload.id, offset, offset + length)) return BigInt(offset + length);
    // Another node counted a chunk at this offset meanwhile (the client sent it twice).
    const now = await this.pending(caller, req.uploadId);
    if (isResend(now, offset, length)) return BigInt(now.received);
    throw failedPrecondition(`expected offset ${now.received}, got ${offset}`);
  }

  /** Where an upload stands. */
  async get(caller: Caller, req: GetUploadRequest): Promise<GetUploadResponse> {
    const upload = await this.owned(caller, req.uploadId);
    return {
      $typeName: "chat.v1.GetUploadResponse", received: BigInt(upload.received), size: BigInt(upload.size), completed: !!upload.file,
      ...(upload.file ? { attachment: toAttachment(upload) } : {}),
    };
  }

  /** Assembles, checks and inspects the file; a second call answers the first one's attachment. */
  async complete(caller: Caller, req: CompleteUploadRequest): Promise<Attachment> {
    return this.queues.run(req.uploadId, async () => {
      const upload = await this.owned(caller, req.uploadId);
      if (upload.file) return toAttachment(upload);
      if (upload.received < upload.size) throw failedPrecondition(`received ${upload.received} of ${upload.size} bytes; send the rest first`);
      const sha256 = await this.assemble(upload);
      if (upload.sha256 && sha256 !== upload.sha256) {
        await this.remove(upload);
        throw invalidArgument(`the bytes' SHA-256 is ${sha256}, not the declared ${upload.sha256}; the upload is deleted, start again`);
      }
      const file = { ...(await this.inspect(upload)), sha256, completedAt: new Date() };
      await this.store.completeUpload(upload.id, file);
      await this.deleteChunks(upload.id);
      return toAttachment({ ...upload, sha256, file });
    });
  }

  /** Deletes an upload's blobs, then its record (blobs first: a record never names bytes that are gone unnoticed). */
  async remove(upload: UploadRecord): Promise<void> {
    await this.deleteChunks(upload.id);
    await this.blobs.delete(blobKeys.thumbnail(upload.id));
    await this.blobs.delete(blobKeys.file(upload.id));
    await this.store.deleteUpload(upload.id);
  }

  /** The caller's upload, not sent yet and not expired; NotFound otherwise (the same answer for others' uploads). */
  private async pending(caller: Caller, id: string): Promise<UploadRecord> {
    const upload = await this.owned(caller, id);
    if (upload.message) throw failedPrecondition(`upload ${id} was sent already`);
    return upload;
  }

  private async owned(caller: Caller, id: string): Promise<UploadRecord> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw invalidArgument("upload_id must be an id from CreateUpload");
    const upload = await this.store.getUpload(id);
    if (!upload || upload.ownerId !== caller.userId || this.isExpired(upload)) throw this.notFound(id, "upload");
    return upload;
  }

  /**
   * Whether an upload is expired: claimed by the expiry (being deleted), or past the expiry and
   * claimed by no send (a send's claim keeps it, so that a retry of that send still works).
   */
  isExpired(upload: UploadRecord): boolean {
    if (upload.message) return isExpiryClaim(upload.message);
    return upload.createdAt.getTime() + this.limits.unsentExpiryMs < Date.now();
  }

  /** The NotFound of an unknown, foreign or expired upload (one answer for all: ids are not probed). */
  notFound(id: string, what: "upload" | "attachment"): ConnectError {
    return notFound(`${what} ${id} not found (unsent uploads expire after ${this.limits.unsentExpiryMs / 3_600_000} hours; upload it again)`);
  }

  /** Concatenates the chunks into the file blob, hashing on the way; resolves the SHA-256. */
  private async assemble(upload: UploadRecord): Promise<string> {
    const keys = await this.blobs.list(blobKeys.chunks(upload.id));
    const offsets = keys.map(chunkOffset);
    if (offsets[0] !== 0) throw failedPrecondition(`upload ${upload.id} lost its chunks; start again`);
    const hash = createHash("sha256");
    const blobs = this.blobs;
    const body = Readable.from((async function* () {
      for (const key of keys) {
        const chunk = await blobs.get(key);
        if (!chunk) throw new Error(`chunk ${key} vanished while assembling`);
        for await (const piece of chunk as AsyncIterable<Buffer>) {
          hash.update(piece);
          yield piece;
        }
      }
    })());
    await this.blobs.put(blobKeys.file(upload.id), body, upload.size);
    return hash.digest("hex");
  }

  /** The sniffed type, and an image's dimensions and thumbnail. */
  private async inspect(upload: UploadRecord): Promise<{ contentType: string; width: number; height: number; thumbnail: boolean }> {
    const head = await readAll(await this.blobs.get(blobKeys.file(upload.id), { start: 0, end: Math.min(upload.size, sniffBytes) - 1 }));
    const contentType = await sniffContentType(head, upload.declaredType);
    if (!isThumbnailable(contentType)) return { contentType, width: 0, height: 0, thumbnail: false };
    const bytes = await readAll(await this.blobs.get(blobKeys.file(upload.id)));
    const limits = { maxPixels: this.limits.maxImagePixels, thumbnailSize: this.limits.thumbnailSize };
    const image = await inspectImage(bytes, limits, (reason) => this.onError(new Error(`upload ${upload.id}: no thumbnail: ${reason}`)));
    if (image.thumbnail) await this.blobs.put(blobKeys.thumbnail(upload.id), image.thumbnail, image.thumbnail.length);
    return { contentType, width: image.width, height: image.height, thumbnail: !!image.thumbnail };
  }

  private async deleteChunks(id: string): Promise<void> {
    for (const key of await this.blobs.list(blobKeys.chunks(id))) await this.blobs.delete(key);
  }
}

/** The attachment a completed upload is. */
export function toAttachment(upload: UploadRecord): Attachment {
  return create(AttachmentSchema, {
    id: upload.id, fileName: upload.fileName, contentType: upload.file?.contentType ?? upload.declaredType, size: BigInt(upload.size),
    width: upload.file?.width ?? 0, height: upload.file?.height ?? 0, hasThumbnail: upload.file?.thumbnail ?? false, sha256: upload.sha256,
  });
}

/** The chunk that was counted last, sent again (its answer was lost): accepted, and changes nothing. */
const isResend = (u: UploadRecord, offset: number, length: number) => u.received > 0 && offset === u.lastChunkOffset && offset + length === u.received;

/** The name without any directory part (either kind of slash). */
const baseName = (name: string) => name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);

async function readAll(stream: Readable | undefined): Promise<Buffer> {
  if (!stream) throw new Error("blob vanished while inspecting it");
  const parts: Buffer[] = [];
  for await (const piece of stream as AsyncIterable<Buffer>) parts.push(piece);
  return Buffer.concat(parts);
}
