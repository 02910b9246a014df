import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

/** desktop/ */
const desktopDir = join(import.meta.dirname, "..");

/** Where the built renderer goes: what Electron and a static web server serve. */
export const rendererDir = join(desktopDir, "dist", "renderer");

/**
 * Builds the renderer (index.html, one script, one stylesheet, the service worker) into `outDir`
 * (`rendererDir` by default). Tests that run side by side each build into a folder of their own: one
 * build empties its folder first, which would pull the files from under another test's page.
 */
export async function buildRenderer(outDir = rendererDir): Promise<string> {
  await build({ configFile: join(desktopDir, "vite.config.ts"), build: { outDir, emptyOutDir: true } });
  return outDir;
}

/**
 * Builds the Electron main process (ESM) and the preload (CommonJS: a sandboxed preload cannot be
 * a module) into dist/main and dist/preload. `electron` stays an import, resolved by Electron.
 */
export async function buildShell(): Promise<void> {
  const entries = [
    { entry: "src/main/main.ts", outDir: "dist/main", format: "es", file: "main.js" },
    { entry: "src/preload/preload.ts", outDir: "dist/preload", format: "cjs", file: "preload.cjs" },
  ] as const;
  for (const { entry, outDir, format, file } of entries) {
    await build({
      configFile: false,
      root: desktopDir,
      logLevel: "warn",
      build: {
        ssr: entry, outDir, emptyOutDir: true, target: "node22", minify: false,
        rolldownOptions: { external: ["electron"], output: { format, entryFileNames: file } },
      },
    });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildRenderer();
  await buildShell();
  console.log(`built ${join(desktopDir, "dist")}: run it with \`npx electron desktop\``);
}
