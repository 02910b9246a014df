import type { Caller } from "../core/caller.ts";
import type { BlobStore } from "../engines/blobs/interface.ts";
import type { Store } from "../engines/store/interface.ts";
import { Attachments } from "./attachments.ts";
import { createDownloads, type Request } from "./downloads.ts";
import { UploadExpiry } from "./expiry.ts";
import type { FileLimits } from "./limits.ts";
import { Uploads } from "./uploads.ts";

/** What {@link createFiles} needs. */
export interface FilesOptions {
  store: Store;
  blobs: BlobStore;
  limits: FileLimits;
  /** The caller whose bearer token a download carries (no interceptor sees plain HTTP requests). */
  authenticate: (req: Request) => Promise<Caller>;
  onError: (error: unknown) => void;
}

/** File sharing on one node: uploads (FileService), attachments in sends, HTTP downloads, and expiry. */
export interface Files {
  readonly uploads: Uploads;
  readonly attachments: Attachments;
  readonly expiry: UploadExpiry;
  /** Answers `/v1/files/…` requests; false for any other path. */
  readonly download: ReturnType<typeof createDownloads>;
  /** Stops the expiry timer. */
  close(): void;
}

/** Wires file sharing over the store and the blob store. */
export function createFiles(options: FilesOptions): Files {
  const { store, blobs, limits, onError } = options;
  const uploads = new Uploads(store, blobs, limits, onError);
  const expiry = new UploadExpiry(store, uploads, { expiryMs: limits.unsentExpiryMs, onError });
  return {
    uploads,
    attachments: new Attachments(store, uploads),
    expiry,
    download: createDownloads({ store, blobs, authenticate: options.authenticate, onError }),
    close: () => expiry.close(),
  };
}
