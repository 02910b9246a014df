import { describe, expect, it } from "vitest";
import { contentSecurityPolicy } from "./csp.ts";
import { rendererFile } from "./renderer-files.ts";

describe("serving the renderer", () => {
  const dir = "/app/dist/renderer";

  it("maps URLs to the renderer's files with their content type", () => {
    expect(rendererFile(dir, "app://chat/index.html")).toEqual({ path: `${dir}/index.html`, contentType: "text/html; charset=utf-8" });
    expect(rendererFile(dir, "/")).toEqual({ path: `${dir}/index.html`, contentType: "text/html; charset=utf-8" });
    expect(rendererFile(dir, "/assets/index-1.js?v=2")).toEqual({ path: `${dir}/assets/index-1.js`, contentType: "text/javascript; charset=utf-8" });
  });

  it("serves nothing outside the renderer's folder", () => {
    // Dot segments are resolved by the URL itself, within the folder.
    expect(rendererFile(dir, "app://chat/../main/main.js")?.path).toBe(`${dir}/main/main.js`);
    expect(rendererFile(dir, "/%2e%2e/%2e%2e/etc/passwd")?.path).toBe(`${dir}/etc/passwd`);
    // Encoded slashes are only decoded after that: they must not lead out.
    expect(rendererFile(dir, "/assets/%2E%2E%2F..%2Fpreload/preload.cjs")).toBeUndefined();
    expect(rendererFile(dir, "/..%2F..%2Fmain/main.js")).toBeUndefined();
  });

  it("allows network calls to the chat server's origin only, and no inline code", () => {
    const csp = contentSecurityPolicy("http://127.0.0.1:8080/some/path");
    expect(csp).toContain("connect-src http://127.0.0.1:8080;");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });
});
