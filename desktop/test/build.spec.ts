import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import { buildShell } from "../scripts/build.ts";

const dist = join(import.meta.dirname, "..", "dist");

describe("the Electron shell's build", () => {
  it("packages, per electron-builder.json, only the built app for Linux, macOS and Windows", async () => {
    const config = JSON.parse(await readFile(join(dist, "..", "electron-builder.json"), "utf8"));
    expect(Object.keys(config).filter((k) => ["linux", "mac", "win"].includes(k))).toEqual(["linux", "mac", "win"]);
    // The sources, tests and node_modules stay out: main, preload and the renderer are bundled.
    expect(config.files).toEqual(["dist/main/**", "dist/preload/**", "dist/renderer/**", "package.json"]);
    expect(config.extraMetadata.main).toBe(JSON.parse(await readFile(join(dist, "..", "package.json"), "utf8")).main);
  });

  it("makes an ES module main and a CommonJS preload, with electron left to Electron", async () => {
    await buildShell();
    const preload = await readFile(join(dist, "preload", "preload.cjs"), "utf8");
    // A sandboxed preload is run as a classic script: it must parse as one (no import/export).
    expect(() => new Script(preload)).not.toThrow();
    expect(preload).toContain('require("electron")');
    expect(preload).toContain('exposeInMainWorld("chatDesktop"');
    const main = join(dist, "main", "main.js");
    // Parsed as an ES module (desktop/package.json says "type": "module"), as Electron will load it.
    await promisify(execFile)(process.execPath, ["--check", main]);
    const code = await readFile(main, "utf8");
    expect(code).toMatch(/from "electron"/);
    expect(code).toContain("preload.cjs");
    expect(code).toContain("contextIsolation: true");
    expect(code).toContain("nodeIntegration: false");
  }, 60_000);
});
