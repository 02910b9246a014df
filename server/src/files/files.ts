import type { BlobStore } from "../engines/blobs/interface.ts";
import type { Store } from "../engines/store/interface.ts";
import { Attachments } from "./attachments.ts";
import { UploadExpiry } from "./expiry.ts";
import type { FileLimits } from "./limits.ts";
import { Uploads } from "./uploads.ts";

/** What {@link createFiles} needs. */
export interface FilesOptions {
  store: Store;
  blobs: BlobStore;
  limits: FileLimits;
  onError: (error: unknown) => void;
}

/**
 * File sharing on one node: uploads (FileService), attachments in sends, and the expiry of unsent
 * uploads. The HTTP downloads (downloads.ts) are wired by the server, which owns authentication.
 */
export interface Files {
  readonly uploads: Uploads;
  readonly attachments: Attachments;
  readonly expiry: UploadExpiry;
  /** Stops the expiry timer. */
  close(): void;
}

/** Wires file sharing over the store and the blob store. */
export function createFiles(options: FilesOptions): Files {
  const { store, blobs, limits, onError } = options;
  const uploads = new Uploads(store, blobs, limits, onError);
  const expiry = new UploadExpiry(store, uploads, { expiryMs: limits.unsentExpiryMs, onError });
  return { uploads, attachments: new Attachments(store, uploads), expiry, close: () => expiry.close() };
}
