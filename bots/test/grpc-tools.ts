import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root. */
export const repoRoot = join(import.meta.dirname, "../..");

/** The stock gRPC tools a user of another language has, as scripts/install-grpc-tools.sh installs them. */
export interface GrpcTools {
  /** The cache folder: `bin/` (grpcurl, protoc-gen-go, protoc-gen-go-grpc) and `venv/` (grpcio, grpcio-tools). */
  dir: string;
  /** The venv's Python. */
  python: string;
  /** An environment whose PATH finds the Go plugins, the venv and Go itself (Python writes no __pycache__ into the repository). */
  env: NodeJS.ProcessEnv;
}

/** Installs the tools once per machine (cached and keyed by version, so a rerun takes a moment). */
export async function grpcTools(): Promise<GrpcTools> {
  const { stdout } = await run("bash", [join(repoRoot, "scripts/install-grpc-tools.sh")], { timeout: 600_000 });
  const dir = stdout.trim();
  // DIR/go exists only when the script fetched Go because none usable was here: it goes first.
  const path = [join(dir, "bin"), join(dir, "venv/bin"), join(dir, "go/bin"), process.env.PATH ?? "", "/usr/local/go/bin"].join(":");
  return { dir, python: join(dir, "venv/bin/python"), env: { ...process.env, PATH: path, PYTHONDONTWRITEBYTECODE: "1" } };
}

/**
 * Builds the Go echo bot (bots/go) into a temporary folder and returns the binary. Go keeps its
 * build and module caches under ~/.cache and ~/go, so a rerun only links.
 */
export async function buildGoEchoBot(tools: GrpcTools): Promise<string> {
  const out = join(await mkdtemp(join(tmpdir(), "echo-bot-go-")), "echo-bot-go");
  await run("go", ["build", "-o", out, "."], { cwd: join(repoRoot, "bots/go"), env: tools.env, timeout: 300_000 });
  return out;
}

/**
 * Generates the code of `template` (a buf.gen.yaml under bots/) into a temporary folder and returns
 * `diff -r` against what is committed: empty when the committed code is what buf makes from proto/ now.
 */
export async function generatedDiff(tools: GrpcTools, template: string, genDir: string): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), "buf-gen-"));
  const buf = join(repoRoot, "node_modules/.bin/buf");
  await run(buf, ["generate", "--template", template, "-o", out], { cwd: repoRoot, env: tools.env, timeout: 120_000 });
  return run("diff", ["-r", "-x", "__pycache__", join(out, genDir), join(repoRoot, genDir)], { timeout: 20_000 }).then(
    () => "",
    (err: { stdout?: string; message: string }) => err.stdout || err.message,
  );
}
