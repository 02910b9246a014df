import { createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { backoffDelay, formatSize, type ShownAttachment, shownMessage } from "@chat/client";
import { Direction } from "@chat/gen/chat/v1/message_pb.js";
import { type Connection, connectLoggedIn } from "../connection.ts";
import { resolveConversation } from "../targets.ts";
import type { GlobalOptions } from "./auth.ts";
import { sha256Of } from "./file-upload.ts";

/** Flags of `chat download`. */
export interface DownloadOptions extends GlobalOptions {
  /** Where to save: a file for a message with one file, else (or when it is a folder) a folder. */
  out?: string;
  /** Seconds to keep retrying while the server is unreachable. */
  wait: number;
  json?: boolean;
}

/**
 * `chat download <conversation> <seq>`: saves the files of a message. Each is fetched with a plain
 * HTTP GET of `/v1/files/{id}` carrying the bearer token, into `<name>.part`; a download cut off (the
 * server went away, Ctrl-C) goes on from the end of the `.part` with a Range request, this run or the
 * next. The SHA-256 the server gave is checked before the file takes its name.
 */
export async function download(target: string, seq: bigint, options: DownloadOptions): Promise<void> {
  const connection = await connectLoggedIn(options);
  const { clients, config } = connection;
  const conversation = await resolveConversation(clients, target, config.userId);
  const { messages } = await clients.history.listMessages({ conversationId: conversation.id, anchorSeq: seq + 1n, direction: Direction.BACKWARD, limit: 1 });
  const found = messages[0]?.seq === seq ? shownMessage(messages[0]) : undefined;
  if (!found) throw new ConnectError(`no message #${seq} in this conversation`, Code.NotFound);
  if (found.deleted) throw new ConnectError(`message #${seq} was deleted, and its files with it`, Code.FailedPrecondition);
  if (found.attachments.length === 0) throw new ConnectError(`message #${seq} has no files`, Code.FailedPrecondition);
  const folder = options.out && (found.attachments.length > 1 || (await isFolder(options.out))) ? options.out : undefined;
  for (const a of found.attachments) {
    const path = folder ? join(folder, safeName(a)) : options.out ?? safeName(a);
    if (await exists(path)) throw new ConnectError(`${path} exists already: remove it or give --out`, Code.AlreadyExists);
    await fetchResumably(connection, a, path, options.wait * 1000);
    if (options.json) console.log(JSON.stringify({ path, fileName: a.fileName, contentType: a.contentType, size: a.size, id: a.id }));
    else console.log(`saved ${path} (${formatSize(a.size)}, ${a.contentType || "unknown type"})`);
  }
}

/** The file's own name, without any directory part (the server strips it too, but trust nothing on disk). */
function safeName(a: ShownAttachment): string {
  const name = basename(a.fileName.replaceAll("\\", "/")).replace(/^\.+/, "");
  return name || a.id;
}

/** Downloads into `<path>.part` (going on from what is there), checks it, then renames it to `path`. */
async function fetchResumably(connection: Connection, a: ShownAttachment, path: string, waitMs: number): Promise<void> {
  const part = `${path}.part`;
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetchOnce(connection, a, part);
      break;
    } catch (err) {
      const error = ConnectError.from(err);
      if (error.code !== Code.Unavailable || Date.now() >= deadline) throw error;
      if (attempt === 0) process.stderr.write(`chat: ${error.rawMessage}; retrying for up to ${Math.ceil(waitMs / 1000)} s, going on from where it stopped\n`);
      await new Promise((r) => setTimeout(r, Math.min(backoffDelay(attempt), Math.max(0, deadline - Date.now()))));
    }
  }
  if (a.sha256 && (await sha256Of(part)) !== a.sha256) {
    await rm(part, { force: true });
    throw new ConnectError(`${a.fileName}: the bytes received do not match the file's SHA-256; removed them, try again`, Code.DataLoss);
  }
  await rename(part, path);
}

/** One GET, from the end of what `part` holds; throws Unavailable when the connection fails. */
async function fetchOnce(connection: Connection, a: ShownAttachment, part: string): Promise<void> {
  const have = (await statOrNone(part))?.size ?? 0;
  if (have === a.size) return;
  const from = have < a.size ? have : 0;
  const res = await get(connection, `/v1/files/${encodeURIComponent(a.id)}`, from > 0 ? { range: `bytes=${from}-` } : {});
  if (res.statusCode === 200 || res.statusCode === 206) {
    // A server that ignores the range sends the whole file again: start the part over.
    try {
      await pipeline(res, createWriteStream(part, { flags: res.statusCode === 206 ? "a" : "w" }));
    } catch (err) {
      // What arrived is kept in the part; the next try asks for the rest.
      throw new ConnectError(`the download of ${a.fileName} was cut off: ${(err as Error).message}`, Code.Unavailable);
    }
    return;
  }
  res.resume();
  const why = res.statusCode === 404 ? [`${a.fileName} is not there (deleted, or you are not a member of its conversation)`, Code.NotFound] as const
    : res.statusCode === 401 ? ["the server refused the token: run `chat login`", Code.Unauthenticated] as const
    : res.statusCode === 416 ? [`${a.fileName}: the server has fewer bytes than the partial download; remove ${part} and try again`, Code.FailedPrecondition] as const
    : [`${a.fileName}: the server answered HTTP ${res.statusCode}`, (res.statusCode ?? 500) >= 500 ? Code.Unavailable : Code.Unknown] as const;
  throw new ConnectError(why[0], why[1]);
}

/** A GET with the bearer token (and the private CA, if any); connection failures are Unavailable. */
function get(connection: Connection, path: string, headers: Record<string, string>): Promise<IncomingMessage> {
  const url = new URL(path, `${connection.server}/`);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { ...headers, authorization: `Bearer ${connection.config.token}` }, ...(connection.ca ? { ca: connection.ca } : {}) }, resolve);
    req.on("error", (err) => reject(new ConnectError(`${err.message} (${url.host})`, Code.Unavailable)));
    req.end();
  });
}

async function exists(path: string): Promise<boolean> {
  return (await statOrNone(path)) !== undefined;
}

async function isFolder(path: string): Promise<boolean> {
  return (await statOrNone(path))?.isDirectory() === true;
}

/** The file's stats, or undefined when there is no such file (any other failure is thrown). */
async function statOrNone(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
