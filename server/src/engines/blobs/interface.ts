import type { Readable } from "node:stream";

/**
 * Where file bytes live: uploaded chunks, assembled files and thumbnails, by key.
 *
 * Two implementations stand behind this interface: `fs/` (a folder under the data dir, the embedded
 * default) and `s3/` (S3-compatible object storage, for a cluster). Both pass `contract.spec.ts`.
 *
 * Contract shared by every implementation:
 * - keys are `/`-separated paths of `[A-Za-z0-9._-]` segments (callers build them, never clients);
 * - `put` is atomic: a reader sees the old blob or the whole new one, never a part; once it resolves
 *   the blob is durable;
 * - `get` streams; a range reads `start..end` inclusive, and asking past the end is the caller's
 *   error (callers check `stat` first);
 * - `delete` is idempotent (deleting a missing key succeeds); `list` sees every key put before it.
 */
export interface BlobStore {
  /** Stores `size` bytes read from `body` under `key`, replacing what was there. Rejects if the body's length differs. */
  put(key: string, body: Readable | Uint8Array, size: number): Promise<void>;
  /** The blob's bytes (a range of them), streamed; undefined when there is no such key. */
  get(key: string, range?: ByteRange): Promise<Readable | undefined>;
  /** The blob's size, or undefined when there is no such key. */
  stat(key: string): Promise<{ size: number } | undefined>;
  /** Removes a blob; succeeds when it is already gone. */
  delete(key: string): Promise<void>;
  /** Every key starting with `prefix`, in byte order. */
  list(prefix: string): Promise<string[]>;
  /** Names the store for the startup log. */
  readonly describe: string;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Bytes `start` to `end`, both inclusive, as HTTP ranges count them. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A key is `/`-separated segments of letters, digits, `.`, `_` and `-`, none of them `.` or `..`. */
export function checkBlobKey(key: string): void {
  const segments = key.split("/");
  if (key.length === 0 || key.length > 512 || segments.some((s) => !/^[A-Za-z0-9._-]+$/.test(s) || s === "." || s === "..")) {
    throw new Error(`bad blob key "${key}"`);
  }
}

/** A key prefix is a key, or a key followed by `/` (or empty, for every key). */
export function checkBlobPrefix(prefix: string): void {
  if (prefix !== "") checkBlobKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
}
