/** The bounds of file sharing, from the configuration (`--max-file-size` …). */
export interface FileLimits {
  /** The largest file, in bytes: 25 MiB by default. */
  maxFileSize: number;
  /** The largest chunk of an UploadChunk call (it must fit in one request, 1 MiB). */
  maxChunkSize: number;
  /** Uploads a user may have that are not sent yet, finished or not. */
  maxPendingUploads: number;
  /** An upload not sent within this long is deleted: 24 hours by default. */
  unsentExpiryMs: number;
  /** Images with more pixels are not decoded (no thumbnail): decompression bombs. */
  maxImagePixels: number;
  /** The longest side of a thumbnail, in pixels. */
  thumbnailSize: number;
}

/** The defaults; the configuration overrides the first four. */
export const defaultFileLimits: FileLimits = {
  maxFileSize: 25 * 1024 * 1024,
  maxChunkSize: 512 * 1024,
  maxPendingUploads: 20,
  unsentExpiryMs: 24 * 3_600_000,
  maxImagePixels: 50_000_000,
  thumbnailSize: 320,
};
