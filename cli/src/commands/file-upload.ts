import { createHash } from "node:crypto";
import { createReadStream, openAsBlob } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { type ChatClients, formatSize, uploadFile, type UploadProgress } from "@chat/client";
import type { Attachment } from "@chat/gen/chat/v1/message_pb.js";
import { configDir } from "../config.ts";

/**
 * `chat send --file`: the file is uploaded in chunks through FileService (see `uploadFile`), and
 * where an upload got to is kept in `uploads.json` beside the config, so that running the same
 * command again after a failure (the server went away, Ctrl-C) goes on from there instead of
 * sending the whole file again. An entry is dropped once its message is sent.
 */

/** A file to send, opened and fingerprinted. */
export interface LocalFile {
  path: string;
  name: string;
  blob: Blob;
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** Content types to declare by file extension (the common ones; anything else is application/octet-stream). */
const typesByExtension: Record<string, string> = {
  txt: "text/plain", md: "text/markdown", csv: "text/csv", json: "application/json", log: "text/plain", html: "text/html",
  pdf: "application/pdf", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp",
  zip: "application/zip", gz: "application/gzip", mp3: "audio/mpeg", mp4: "video/mp4",
};

/** Uploads remembered at most: older ones are dropped (the server deletes them after 24 h anyway). */
const maxRemembered = 20;

/** Opens a file to send; a precise error for one that is missing, a folder or empty. */
export async function openFile(path: string): Promise<LocalFile> {
  const full = resolve(path);
  const info = await stat(full).catch((err: NodeJS.ErrnoException) => {
    throw new ConnectError(`cannot read ${path}: ${err.code === "ENOENT" ? "no such file" : err.message}`, Code.InvalidArgument);
  });
  if (!info.isFile()) throw new ConnectError(`${path} is not a file`, Code.InvalidArgument);
  if (info.size === 0) throw new ConnectError(`${path} is empty: there is nothing to send`, Code.InvalidArgument);
  // The server sniffs the bytes, and keeps the declared type only when they tell nothing (plain text).
  const type = typesByExtension[extname(full).slice(1).toLowerCase()] ?? "";
  return { path: full, name: basename(full), blob: await openAsBlob(full, { type }), size: info.size, mtimeMs: info.mtimeMs, sha256: await sha256Of(full) };
}

/** How an upload reports its progress: after each chunk, and once at the end (ok or not). */
export type UploadProgressReport = ((sent: number, size: number) => void) & { done(): void };

/**
 * Uploads one file, going on from an earlier run's upload of the same file when the server still
 * has it. Progress goes to a terminal's stderr unless `progress` says where.
 */
export async function upload(clients: ChatClients, file: LocalFile, options: { wait: number; progress?: UploadProgressReport }): Promise<Attachment> {
  const remembered = await readUploads();
  const key = keyOf(file);
  const progress = options.progress ?? stderrProgress(file);
  try {
    return await uploadFile(clients.files, file.blob, file.name, {
      sha256: file.sha256,
      ...(remembered[key] ? { resume: remembered[key] } : {}),
      retryForMs: options.wait * 1000,
      onStarted: (started) => void remember(key, started).catch((err) => process.stderr.write(`chat: cannot remember the upload to resume it later: ${(err as Error).message}\n`)),
      onProgress: progress,
    });
  } finally {
    progress.done();
  }
}

/** Forgets the uploads of files whose message was sent (the server accepts each once). */
export async function forgetUploads(files: LocalFile[]): Promise<void> {
  if (files.length === 0) return;
  const uploads = await readUploads();
  for (const file of files) delete uploads[keyOf(file)];
  await writeUploads(uploads);
}

/** The same path, size and modification time: the same file as far as a resume is concerned. */
function keyOf(file: LocalFile): string {
  return `${file.path}\n${file.size}\n${file.mtimeMs}\n${file.sha256}`;
}

/** SHA-256 of a file, lower-case hex, read as a stream. */
export async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const uploadsPath = () => join(configDir(), "uploads.json");

async function readUploads(): Promise<Record<string, UploadProgress>> {
  try {
    return JSON.parse(await readFile(uploadsPath(), "utf8")) as Record<string, UploadProgress>;
  } catch (err) {
    // Absent, or damaged by hand: uploads start from the beginning, which is only slower.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") process.stderr.write(`chat: ignoring ${uploadsPath()}: ${(err as Error).message}\n`);
    return {};
  }
}

async function remember(key: string, progress: UploadProgress): Promise<void> {
  const uploads = await readUploads();
  delete uploads[key];
  const kept = Object.entries(uploads).slice(-(maxRemembered - 1));
  await writeUploads({ ...Object.fromEntries(kept), [key]: progress });
}

async function writeUploads(uploads: Record<string, UploadProgress>): Promise<void> {
  await mkdir(configDir(), { recursive: true, mode: 0o700 });
  const tmp = `${uploadsPath()}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(uploads, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, uploadsPath());
}

/** "uploading plan.pdf: 1.2 MB of 2.3 MB (52%)" on a terminal's stderr, redrawn in place; nothing otherwise. */
function stderrProgress(file: LocalFile): UploadProgressReport {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  const show = (sent: number, size: number) => {
    if (!tty) return;
    shown = true;
    process.stderr.write(`\r\x1b[Kuploading ${file.name}: ${formatSize(sent)} of ${formatSize(size)} (${Math.floor((sent / Math.max(1, size)) * 100)}%)`);
  };
  return Object.assign(show, { done: () => void (shown && process.stderr.write("\n")) });
}
