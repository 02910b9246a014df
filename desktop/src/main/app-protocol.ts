import { pathToFileURL } from "node:url";
import { net, protocol } from "electron";
import { rendererFile } from "./renderer-files.ts";

/** The scheme the renderer is served on: app://chat/index.html. */
export const appScheme = "app";

/** Must run before the app is ready: app:// behaves like https (fetch, CORS, a secure context). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/**
 * Serves the built renderer on app:// with the Content-Security-Policy as a header, rather than
 * from file://, where no header can be set and every local file would be same-origin with the app.
 */
export function serveRenderer(rendererDir: string, csp: string): void {
  protocol.handle(appScheme, async (request) => {
    const file = rendererFile(rendererDir, request.url);
    // biome-ignore lint/plugin: a file that cannot be read is answered 404 below
    const body = file && await net.fetch(pathToFileURL(file.path).toString()).catch(() => undefined);
    if (!file || !body?.ok) return new Response("not found", { status: 404 });
    return new Response(body.body, { headers: { "content-type": file.contentType, "content-security-policy": csp } });
  });
}
