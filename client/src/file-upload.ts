import { Code, ConnectError } from "@connectrpc/connect";
import type { Attachment } from "@chat/gen/chat/v1/message_pb.js";
import { backoffDelay } from "./backoff.ts";
import type { ChatClients } from "./clients.ts";
import { isTransient } from "./send-queue.ts";

/** An upload under way, as kept to resume it (in another run too). */
export interface UploadProgress {
  uploadId: string;
  /** The chunk size the server accepts (CreateUploadResponse.max_chunk_size). */
  chunkSize: number;
}

/** How to upload a file with {@link uploadFile}. */
export interface UploadOptions {
  /** The declared content type (the server sniffs its own); `blob.type` or application/octet-stream by default. */
  contentType?: string;
  /** SHA-256 of the whole file, lower-case hex: the server refuses the upload when the bytes differ. */
  sha256?: string;
  /** An upload started earlier for the same file: continued from where the server got to, when it still has it. */
  resume?: UploadProgress;
  /** Called once the upload has an id (to keep for a resume), and after each chunk with the bytes sent. */
  onStarted?(progress: UploadProgress): void;
  onProgress?(sent: number, size: number): void;
  /** How long to keep retrying while the server is unreachable; default 30 s. */
  retryForMs?: number;
  signal?: AbortSignal;
}

/** Chunks are at most this big even when the server takes more: progress moves, and a retry resends little. */
const largestChunk = 1024 * 1024;

/**
 * Uploads a file through FileService in chunks and completes it; returns the attachment to send
 * (`SendMessageRequest.attachment_ids`). A `Blob` is a browser's `File` or, in Node,
 * `fs.openAsBlob(path)`, so nothing is read into memory whole. Resumable: a chunk that fails on a
 * dropped connection is followed by GetUpload, which says where to go on from, and `resume`
 * continues an upload a previous run began.
 */
export async function uploadFile(files: ChatClients["files"], blob: Blob, fileName: string, options: UploadOptions = {}): Promise<Attachment> {
  const retry = retrying(options.retryForMs ?? 30_000, options.signal);
  let progress = options.resume ? await retry(() => stillThere(files, options.resume!)) : undefined;
  if (progress?.completed) return progress.completed;
  if (!progress) {
    const created = await retry(() => files.createUpload({
      fileName, size: BigInt(blob.size), contentType: options.contentType || blob.type || "application/octet-stream", sha256: options.sha256 ?? "",
    }, { signal: options.signal }));
    progress = { uploadId: created.uploadId, chunkSize: Math.min(created.maxChunkSize || largestChunk, largestChunk), received: 0 };
  }
  const { uploadId, chunkSize } = progress;
  options.onStarted?.({ uploadId, chunkSize });
  let offset = progress.received;
  options.onProgress?.(offset, blob.size);
  while (offset < blob.size) {
    const data = new Uint8Array(await blob.slice(offset, offset + chunkSize).arrayBuffer());
    const at = offset;
    offset = await retry(async () => {
      try {
        return Number((await files.uploadChunk({ uploadId, offset: BigInt(at), data }, { signal: options.signal })).received);
      } catch (err) {
        // The chunk may have landed before the connection dropped, or an earlier one may be missing:
        // the server says where it stands.
        if (ConnectError.from(err).code !== Code.FailedPrecondition) throw err;
        return Number((await files.getUpload({ uploadId }, { signal: options.signal })).received);
      }
    });
    options.onProgress?.(offset, blob.size);
  }
  const { attachment } = await retry(() => files.completeUpload({ uploadId }, { signal: options.signal }));
  if (!attachment) throw new ConnectError("the server completed the upload without an attachment", Code.Internal);
  return attachment;
}

/** Where a previous upload stands; undefined when the server no longer has it (expired, or sent). */
async function stillThere(files: ChatClients["files"], resume: UploadProgress): Promise<(UploadProgress & { received: number; completed?: Attachment }) | undefined> {
  try {
    const got = await files.getUpload({ uploadId: resume.uploadId });
    return { ...resume, received: Number(got.received), ...(got.completed && got.attachment ? { completed: got.attachment } : {}) };
  } catch (err) {
    if (ConnectError.from(err).code === Code.NotFound) return undefined;
    throw err;
  }
}

/** Runs a call again after backoff while it fails for a passing reason, until `forMs` has gone by. */
function retrying(forMs: number, signal: AbortSignal | undefined) {
  const deadline = Date.now() + forMs;
  return async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!isTransient(ConnectError.from(err).code) || Date.now() >= deadline || signal?.aborted) throw err;
        await new Promise((r) => setTimeout(r, Math.min(backoffDelay(attempt), Math.max(0, deadline - Date.now()))));
      }
    }
  };
}
