import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import { buildShell } from "../scripts/build.ts";

const dist = join(import.meta.dirname, "..", "dist");

describe("the Electron shell's build", () => {
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
