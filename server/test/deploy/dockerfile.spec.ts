import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId, openStream, registerUser } from "../harness.ts";
import { repoRoot } from "../upgrade/previous-release.ts";
import { freePort } from "../services/free-port.ts";
import { type ReplayedImage, parseDockerfile, replayDockerfile } from "./dockerfile-replay.ts";

/**
 * The image, checked without Docker: its steps are replayed into a temp dir and its CMD started
 * from there, so an image that drifts from the workspace layout (the protocol/ workspace it once
 * forgot) fails here instead of at `docker compose up`.
 */
describe("the Dockerfile, replayed without Docker", () => {
  let dir: string;
  let image: ReplayedImage;
  let child: ChildProcess | undefined;
  let env: Record<string, string>;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "chat-image-"));
    image = replayDockerfile(join(repoRoot, "Dockerfile"), repoRoot, dir);
    // As `docker run -e`: a free port on loopback; the volume's path maps into the image's root.
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const mapped = (value: string) => (image.volumes.includes(value) ? join(image.root, value) : value);
    env = {
      PATH: process.env.PATH ?? "",
      ...Object.fromEntries(Object.entries(image.env).map(([k, v]) => [k, mapped(v)])),
      CHAT_HOST: "127.0.0.1", CHAT_PORT: String(port),
    };
  }, 240_000);
  afterAll(async () => {
    if (child && child.exitCode === null) await new Promise((resolve) => { child!.once("exit", resolve); child!.kill("SIGTERM"); });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("fails on an instruction or a RUN command the replay does not understand", () => {
    const into = mkdtempSync(join(tmpdir(), "chat-image-bad-"));
    try {
      const bad = (text: string) => {
        const file = join(into, "Dockerfile");
        execFileSync("sh", ["-c", `cat > ${file}`], { input: text });
        return () => replayDockerfile(file, repoRoot, into);
      };
      expect(bad("FROM node:24\nADD x /x\n")).toThrow(/line 2 \(ADD x \/x\): the replay does not understand/);
      expect(bad("FROM node:24\nRUN apt-get install -y curl\n")).toThrow(/does not understand "apt-get/);
      expect(bad("FROM node:24\nCOPY nothing-here/ x/\n")).toThrow(/nothing-here\/ does not exist/);
      expect(parseDockerfile("FROM a \\\n  AS b\n# c\nRUN x")).toMatchObject([{ keyword: "FROM", args: "a  AS b", line: 1 }, { keyword: "RUN", line: 4 }]);
    } finally {
      rmSync(into, { recursive: true, force: true });
    }
  });

  it("builds in stages to an image of only what the server runs, as a user other than root", () => {
    expect(image.bases.length).toBeGreaterThan(1);
    for (const base of image.bases) expect(base).toMatch(/^node:24[.-]/); // the Node the replay stands in for
    expect(image.user).not.toMatch(/^(root|0)(:|$)/);
    expect(image.cmd[0]).toBe("node");
    expect(image.exposed).toContain(image.env.CHAT_PORT);
    // The data volume belongs to the user the server runs as.
    expect(image.volumes).toContain(image.env.CHAT_DATA_DIR);
    expect(image.owners[image.env.CHAT_DATA_DIR!]).toMatch(new RegExp(`^${image.user}(:|$)`));
    const app = (path: string) => join(image.root, posix.resolve(image.workdir, path));
    expect(existsSync(app("server/src/main.ts"))).toBe(true);
    expect(existsSync(app("node_modules/@chat/protocol/package.json"))).toBe(true);
    for (const absent of ["node_modules/vitest", "node_modules/typescript", "client", "cli", "desktop", "bench", "bots", "server/test", "docs"]) {
      expect(existsSync(app(absent)), `${absent} in the image`).toBe(false);
    }
  });

  it("starts from its CMD, passes its own HEALTHCHECK, serves /healthz and a chat exchange", async () => {
    const [program, ...args] = image.cmd;
    child = spawn(program === "node" ? process.execPath : program!, args, {
      cwd: join(image.root, image.workdir), env, stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the image's CMD did not start in 60 s:\n${log}`)), 60_000);
      child!.stderr!.on("data", () => log.includes("chat server ready") && (clearTimeout(timer), resolve()));
      child!.once("exit", (code) => (clearTimeout(timer), reject(new Error(`the image's CMD exited with ${code}:\n${log}`))));
    });

    const [check, ...checkArgs] = image.healthcheck!;
    execFileSync(check === "node" ? process.execPath : check!, checkArgs, { env, timeout: 10_000 });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);

    const server = { url };
    const [alice, bob] = [await registerUser(server, "alice"), await registerUser(server, "bob")];
    const conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    const stream = await openStream(bob);
    await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "hello from the image" });
    const got = await stream.until(() => stream.of("message").find((m) => m.text === "hello from the image"), 10_000, "the message");
    expect(got.senderId).toBe(alice.id);
    stream.close();
    // The embedded store wrote into the volume, not into the app dir.
    expect(existsSync(join(image.root, image.env.CHAT_DATA_DIR!, "chat.sqlite"))).toBe(true);
  }, 90_000);
});
