import { readFile } from "node:fs/promises";
import { extname, join, normalize, relative } from "node:path";

/**
 * The web client: the desktop app's renderer (the same build, `npm run desktop:build`) served at
 * `/` beside the RPCs, so that a browser needs nothing installed. Only GET and HEAD of files inside
 * the build's folder; every page carries a Content-Security-Policy that lets it run the app's own
 * code and call this server only.
 */

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json", ".woff2": "font/woff2", ".woff": "font/woff",
};

/** The renderer's policy, for a page served by the chat server itself: `connect-src 'self'`. */
export const webClientCsp = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "font-src 'self'",
  "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "object-src 'none'",
].join("; ");

/** A file to answer with. */
export interface WebFile {
  contentType: string;
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * Reads what `url` asks for from `dir`, or undefined when it is not a file there (the caller
 * answers 404). The index page is marked so the app talks to the origin it came from.
 */
export async function webClientFile(dir: string, url: string): Promise<WebFile | undefined> {
  const pathname = new URL(url, "http://x").pathname;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined; // a malformed escape is no file of ours
  }
  const path = normalize(join(dir, decoded === "/" ? "/index.html" : decoded));
  const inside = relative(dir, path);
  if (inside === "" || inside.startsWith("..")) return undefined;
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    return undefined; // not there (or a folder): a 404 like any unknown path
  }
  const contentType = contentTypes[extname(path)] ?? "application/octet-stream";
  const headers: Record<string, string> = {
    "content-security-policy": webClientCsp, "x-content-type-options": "nosniff",
    // Built assets carry a hash in their name and never change; the index must be fresh.
    "cache-control": inside.startsWith("assets") ? "public, max-age=31536000, immutable" : "no-cache",
  };
  if (extname(path) === ".html") {
    body = Buffer.from(body.toString("utf8").replace("<head>", '<head>\n    <meta name="chat-server" content="same-origin" />'));
  }
  return { contentType, body, headers };
}
