import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import type { Readable } from "node:stream";
import type { Caller } from "../core/caller.ts";
import type { BlobStore, ByteRange } from "../engines/blobs/interface.ts";
import type { Store } from "../engines/store/interface.ts";
import type { UploadRecord } from "../engines/store/upload-store.ts";
import { blobKeys } from "./blob-keys.ts";

/** A request on either HTTP version. */
export type Request = IncomingMessage | Http2ServerRequest;
/** What a download writes to: a Node response of either HTTP version. */
export interface Response {
  statusCode: number;
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  write(chunk: Uint8Array): boolean;
  end(body: string): unknown;
  end(): unknown;
  destroy(): unknown;
  once(event: "drain" | "close", listener: () => void): unknown;
  removeListener(event: "drain" | "close", listener: () => void): unknown;
}

/** What {@link createDownloads} needs. */
export interface DownloadsOptions {
  store: Store;
  blobs: BlobStore;
  /** The caller whose bearer token the request carries; rejects when there is none or it is not valid. */
  authenticate: (req: Request) => Promise<Caller>;
  /** Hears failures no client can be told about (a stream that broke midway). */
  onError: (error: unknown) => void;
}

/** The route of the file endpoints: `/v1/files/{id}` and `/v1/files/{id}/thumbnail`. */
const route = /^\/v1\/files\/([0-9a-f-]{36})(\/thumbnail)?$/;

/**
 * The HTTP side of file sharing (see file.proto's header): `GET /v1/files/{id}` streams the file,
 * `GET /v1/files/{id}/thumbnail` an image's JPEG thumbnail, each authorized by the same bearer token
 * as the RPCs. Single byte ranges are honoured (206, or 416 past the end); every answer carries
 * `X-Content-Type-Options: nosniff` and the file as an attachment, so a browser never renders
 * uploaded HTML in the server's origin. Anyone who may not see a file gets 404, like a file that
 * does not exist. Returns a handler that answers the requests it owns and returns false for others.
 */
export function createDownloads(options: DownloadsOptions): (req: Request, res: Response) => boolean {
  const { store, blobs, onError } = options;

  async function serve(req: Request, res: Response, id: string, thumbnail: boolean): Promise<void> {
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("cache-control", "private, no-store");
    if (req.method !== "GET" && req.method !== "HEAD") return answer(res, 405, "only GET and HEAD", { allow: "GET, HEAD" });
    let caller: Caller;
    try {
      caller = await options.authenticate(req);
    } catch {
      return answer(res, 401, "missing or invalid \"authorization: Bearer <token>\" header", { "www-authenticate": "Bearer" });
    }
    const upload = await store.getUpload(id);
    if (!upload?.file || !(await mayFetch(store, upload, caller)) || (thumbnail && !upload.file.thumbnail)) {
      return answer(res, 404, "not found");
    }
    const key = thumbnail ? blobKeys.thumbnail(id) : blobKeys.file(id);
    const size = thumbnail ? (await blobs.stat(key))?.size : upload.size;
    if (size === undefined) return answer(res, 404, "not found");
    const range = parseRange(req.headers.range, size);
    if (range === "unsatisfiable") return answer(res, 416, "range not satisfiable", { "content-range": `bytes */${size}` });
    const body = req.method === "HEAD" ? undefined : await blobs.get(key, range);
    if (req.method === "GET" && !body) return answer(res, 404, "not found");
    res.statusCode = range ? 206 : 200;
    res.setHeader("content-type", thumbnail ? "image/jpeg" : upload.file.contentType);
    res.setHeader("content-length", String(range ? range.end - range.start + 1 : size));
    res.setHeader("accept-ranges", "bytes");
    if (range) res.setHeader("content-range", `bytes ${range.start}-${range.end}/${size}`);
    if (!thumbnail) res.setHeader("content-disposition", contentDisposition(upload.fileName));
    if (!body) return void res.end();
    await pump(body, res);
  }

  return (req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const match = route.exec(path);
    if (!match) {
      if (!path.startsWith("/v1/files/")) return false;
      answer(res, 404, "not found");
      return true;
    }
    serve(req, res, match[1]!, !!match[2]).catch((err: unknown) => {
      // Headers sent: the client sees a short body (its Content-Length tells it); else a 500.
      onError(err);
      if (res.headersSent) res.destroy();
      else answer(res, 500, "internal error");
    });
    return true;
  };
}

/**
 * Who may fetch a file: its uploader until it is sent; once sent, the current members of the
 * conversation it was sent in (read from the store, not a cache, so a removed member loses access at once).
 */
async function mayFetch(store: Store, upload: UploadRecord, caller: Caller): Promise<boolean> {
  if (upload.seq === undefined || !upload.message) return upload.ownerId === caller.userId && !upload.message;
  const conversationId = upload.message.conversationId;
  // A bot token limited to some conversations sees files of those only.
  if (caller.scope && caller.scope.conversationIds.size > 0 && !caller.scope.conversationIds.has(conversationId)) return false;
  return (await store.listMembers(conversationId)).some((m) => m.userId === caller.userId);
}

/**
 * One `bytes=` range (`a-b`, `a-`, `-n`) clamped to the size; undefined for none or for forms this
 * server ignores (several ranges, other units: the whole file is a valid answer to those).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | "unsatisfiable" | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? "");
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    return suffix === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/** Writes the body out as the client reads it; stops reading the blob if the client goes away. */
async function pump(body: Readable, res: Response): Promise<void> {
  let gone = false;
  const onClose = () => (gone = true);
  res.once("close", onClose);
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      if (gone) break;
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.removeListener("drain", done);
            res.removeListener("close", done);
            resolve();
          };
          res.once("drain", done);
          res.once("close", done);
        });
      }
    }
    if (!gone) res.end();
  } finally {
    res.removeListener("close", onClose);
    body.destroy();
  }
}

/** `attachment` with the name both ways: an ASCII fallback and RFC 5987's UTF-8 form. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

function answer(res: Response, status: number, text: string, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.end(`${text}\n`);
}
