import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The renderer's build: `src/renderer/index.html` to `dist/renderer/`, with relative URLs so that
 * the same files load from Electron's app:// and from any static web server. `npx vite desktop`
 * serves it for development.
 */
export default defineConfig({
  root: fileURLToPath(new URL("./src/renderer", import.meta.url)),
  base: "./",
  // JSX without a React plugin: the transformer compiles it for Preact.
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("./dist/renderer", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
  },
  logLevel: "warn",
});
