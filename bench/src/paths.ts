import { fileURLToPath } from "node:url";

const at = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** Where the bench finds what it runs and where it writes. */
export const paths = {
  repoRoot: at("../../"),
  /** The chat server's entry point. */
  serverMain: at("../../server/src/main.ts"),
  /** The Socket.IO peer's entry point. */
  peerMain: at("../peers/socketio/server.ts"),
  /** Result JSON files (git-ignored except those the docs reference). */
  results: at("../results/"),
  /** Registered accounts and their data dir, made once and copied for every run (git-ignored). */
  fixture: at("../.data/fixture/"),
  /** Charts rendered by `npm run bench:report`. */
  charts: at("../../docs/benchmarks/"),
} as const;
