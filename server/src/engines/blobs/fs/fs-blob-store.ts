import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { type BlobStore, checkBlobKey, checkBlobPrefix } from "../interface.ts";
import { sizedBody } from "../sized-body.ts";

/** Options of {@link createFsBlobStore}. */
export interface FsBlobStoreOptions {
  /** The folder the blobs live in (created, 0700, when missing): `<data dir>/blobs` by default. */
  root: string;
}

/**
 * The embedded blob store: a file per key under one folder. A put writes a temp file in the same
 * folder tree, fsyncs it and renames it into place, so a reader never sees half a blob and a
 * resolved put survives a crash.
 *
 * Limits: one machine's disk, so one node (like the SQLite store beside it); a cluster needs `s3/`.
 */
export function createFsBlobStore(options: FsBlobStoreOptions): BlobStore {
  const root = options.root;
  const tmp = join(root, ".tmp");
  const path = (key: string) => {
    checkBlobKey(key);
    return join(root, ...key.split("/"));
  };
  const ready = mkdir(tmp, { recursive: true, mode: 0o700 });

  return {
    describe: `fs(${root})`,
    async put(key, body, size) {
      const target = path(key);
      await ready;
      const temp = join(tmp, randomUUID());
      try {
        const source = sizedBody(key, body, size);
        const file = await open(temp, "w", 0o600);
        await pipeline(source, createWriteStream("", { fd: file, flush: true }));
        await mkdir(dirname(target), { recursive: true, mode: 0o700 });
        await rename(temp, target);
      } finally {
        await rm(temp, { force: true });
      }
    },
    async get(key, range) {
      const file = path(key);
      // Opened before returning, so a missing key is told apart from a stream that fails later.
      const handle = await open(file, "r").catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return undefined;
        throw err;
      });
      if (!handle) return undefined;
      return createReadStream("", { fd: handle, ...(range ? { start: range.start, end: range.end } : {}) });
    },
    async stat(key) {
      const s = await stat(path(key)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return undefined;
        throw err;
      });
      return s?.isFile() ? { size: s.size } : undefined;
    },
    async delete(key) {
      const file = path(key);
      await rm(file, { force: true });
      // Emptied folders (an upload's chunks) go too; a folder still in use refuses, which is fine.
      for (let dir = dirname(file); dir !== root && dir.startsWith(root); dir = dirname(dir)) {
        if (!(await rmdir(dir).then(() => true, () => false))) break;
      }
    },
    async list(prefix) {
      checkBlobPrefix(prefix);
      await ready;
      const dir = join(root, ...prefix.split("/").slice(0, -1));
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return [];
        throw err;
      });
      return entries
        .filter((e) => e.isFile())
        .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join("/"))
        .filter((key) => key.startsWith(prefix) && !key.startsWith(".tmp/"))
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    },
    async close() {
      await ready;
    },
  };
}
