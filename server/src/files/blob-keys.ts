/**
 * Where an upload's bytes live in the blob store. Chunks are kept apart until the upload completes
 * (their keys sort by offset), then assembled into the file; an image also gets a thumbnail.
 */
export const blobKeys = {
  /** The folder of an upload's chunks. */
  chunks: (uploadId: string) => `uploads/${uploadId}/`,
  /** The chunk that starts at `offset` (zero-padded, so that keys sort as offsets do). */
  chunk: (uploadId: string, offset: number) => `uploads/${uploadId}/${String(offset).padStart(12, "0")}`,
  /** The assembled file. */
  file: (uploadId: string) => `files/${uploadId}`,
  /** The JPEG thumbnail of an image. */
  thumbnail: (uploadId: string) => `thumbnails/${uploadId}`,
};

/** The offset a chunk key names. */
export const chunkOffset = (key: string) => Number(key.slice(key.lastIndexOf("/") + 1));
