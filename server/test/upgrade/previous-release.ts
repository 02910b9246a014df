import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository this test runs in. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * The last commit before versioned schema migrations: data dirs and keyspaces in the field were
 * created by this code. Keep it pinned: the upgrade test must go on proving that such a store is
 * recognised as version 1 and upgraded, whatever later migrations add.
 */
export const previousRelease = "66572ea67998ae85eb8b97d7a5fe8b84bfe8ade2";

/**
 * Checks out `commit`'s server and the workspaces it imports into a fresh temp dir (`git archive`,
 * fetching the commit first when the clone lacks it, as a shallow CI clone would), with a
 * node_modules that links this tree's installed packages but the release's own `@chat/*`
 * workspaces. Returns the dir (for the caller to delete) and the path of its `server/src/main.ts`.
 */
export function checkoutRelease(commit: string): { dir: string; main: string } {
  const git = (...args: string[]) => execFileSync("git", ["-C", repoRoot, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    git("cat-file", "-e", `${commit}^{commit}`);
  } catch {
    git("fetch", "--quiet", "origin", commit);
  }
  const dir = mkdtempSync(join(tmpdir(), "chat-release-"));
  const workspaces = ["gen", "protocol", "server"];
  const archive = git("archive", "--format=tar", commit, "package.json", ...workspaces);
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  const modules = join(dir, "node_modules");
  mkdirSync(join(modules, "@chat"), { recursive: true });
  for (const entry of readdirSync(join(repoRoot, "node_modules"))) {
    if (entry !== "@chat" && !entry.startsWith(".")) symlinkSync(join(repoRoot, "node_modules", entry), join(modules, entry));
  }
  for (const ws of workspaces) {
    symlinkSync(join(dir, ws), join(modules, "@chat", ws));
    const nested = join(repoRoot, ws, "node_modules");
    if (existsSync(nested) && !existsSync(join(dir, ws, "node_modules"))) symlinkSync(nested, join(dir, ws, "node_modules"));
  }
  return { dir, main: join(dir, "server", "src", "main.ts") };
}
