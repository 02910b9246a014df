import { extname, join, normalize, relative } from "node:path";

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json",
  ".woff2": "font/woff2", ".woff": "font/woff",
};

/**
 * The file of the built renderer a URL asks for, and its content type; undefined for a path outside
 * the renderer's folder ("/../main/main.js"), so that nothing else on disk can be served.
 */
export function rendererFile(rendererDir: string, url: string): { path: string; contentType: string } | undefined {
  const pathname = decodeURIComponent(new URL(url, "http://x").pathname);
  const path = normalize(join(rendererDir, pathname === "/" ? "/index.html" : pathname));
  const inside = relative(rendererDir, path);
  if (inside === "" || inside.startsWith("..")) return undefined;
  return { path, contentType: contentTypes[extname(path)] ?? "application/octet-stream" };
}
