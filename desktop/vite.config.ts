import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The renderer's build: `src/renderer/index.html` to `dist/renderer/`, with relative URLs so that
 * the same files load from Electron's app:// and from any static web server, and the service worker
 * (`sw.ts`) to `dist/renderer/sw.js`. `npx vite desktop` serves it for development.
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
    rolldownOptions: {
      // The service worker keeps a fixed name beside index.html (its URL is its identity, and its
      // scope is the folder it is in); the app's own files get hashed names under assets/.
      input: { index: fileURLToPath(new URL("./src/renderer/index.html", import.meta.url)), sw: fileURLToPath(new URL("./src/renderer/sw.ts", import.meta.url)) },
      output: { entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js") },
    },
  },
  logLevel: "warn",
});
