import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { rendererFile } from "../src/main/renderer-files.ts";

/**
 * Serves the built renderer over HTTP with the same Content-Security-Policy header Electron's
 * app:// sends, as any static web server would host the web version: what the browser test loads.
 */
export async function serveRenderer(rendererDir: string, csp: string, port: number): Promise<Server> {
  const server = createServer(async (req, res) => {
    const file = rendererFile(rendererDir, req.url ?? "/");
    const body = file && await readFile(file.path).catch(() => undefined);
    if (!file || !body) return void res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": file.contentType, "content-security-policy": csp, "cache-control": "no-store" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}
