import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, matchesGlob, posix, relative } from "node:path";

/** One instruction of a Dockerfile: its keyword, its `--flags`, and the rest of the line. */
export interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  args: string;
  line: number;
}

/** What the image would be, as far as a replay without Docker can tell. */
export interface ReplayedImage {
  /** The final stage's filesystem: the image's `/` maps to this dir. */
  root: string;
  /** The base image of every stage, in order. */
  bases: string[];
  workdir: string;
  env: Record<string, string>;
  user: string;
  /** CMD in exec form. */
  cmd: string[];
  /** HEALTHCHECK's command in exec form. */
  healthcheck: string[] | undefined;
  exposed: string[];
  volumes: string[];
  /** Paths given to the user by `chown` in a RUN, as `user:group` by path. */
  owners: Record<string, string>;
}

/** Reads a Dockerfile into instructions: comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) return;
    if (pending === "") start = i + 1;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = pending + line;
    pending = "";
    const match = /^(\S+)\s*(.*)$/.exec(full)!;
    let args = match[2]!;
    const flags: Record<string, string> = {};
    for (let flag = /^--([a-z-]+)=(\S+)\s+/.exec(args); flag; flag = /^--([a-z-]+)=(\S+)\s+/.exec(args)) {
      flags[flag[1]!] = flag[2]!;
      args = args.slice(flag[0].length);
    }
    instructions.push({ keyword: match[1]!.toUpperCase(), flags, args, line: start });
  });
  return instructions;
}

interface Stage {
  name: string | undefined;
  root: string;
  workdir: string;
  env: Record<string, string>;
}

/**
 * Replays a Dockerfile's steps into `into` without Docker: each stage is a directory standing for
 * its filesystem, COPY copies from `context` (minus `.dockerignore`) or an earlier stage, RUN runs
 * the few commands it knows (`npm …` with this process's Node standing in for the base image's,
 * `mkdir -p`, `chown`), and the rest is recorded. Anything else throws: an instruction the replay
 * does not understand is an image CI does not check.
 */
export function replayDockerfile(dockerfile: string, context: string, into: string): ReplayedImage {
  const ignore = readIgnore(context);
  const stages: Stage[] = [];
  const image: Omit<ReplayedImage, "root" | "workdir" | "env"> = {
    bases: [], user: "root", cmd: [], healthcheck: undefined, exposed: [], volumes: [], owners: {},
  };
  const current = (): Stage => {
    const stage = stages.at(-1);
    if (!stage) throw new Error("an instruction before the first FROM");
    return stage;
  };
  const inImage = (stage: Stage, path: string) => join(stage.root, posix.resolve(stage.workdir, path));

  for (const ins of parseDockerfile(readFileSync(dockerfile, "utf8"))) {
    const fail = (why: string): never => {
      throw new Error(`Dockerfile line ${ins.line} (${ins.keyword} ${ins.args}): ${why}`);
    };
    switch (ins.keyword) {
      case "FROM": {
        const [base, as, name, extra] = ins.args.split(/\s+/);
        if (!base || extra !== undefined || (as !== undefined && (as.toUpperCase() !== "AS" || !name))) fail("expected FROM image [AS name]");
        const root = join(into, `stage${stages.length}`);
        mkdirSync(root, { recursive: true });
        stages.push({ name, root, workdir: "/", env: {} });
        image.bases.push(base!);
        image.user = "root";
        break;
      }
      case "WORKDIR":
        current().workdir = posix.resolve(current().workdir, ins.args);
        mkdirSync(inImage(current(), "."), { recursive: true });
        break;
      case "ENV":
        for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) current().env[m[1]!] = m[2]!.replace(/^"|"$/g, "");
        break;
      case "COPY":
        copy(ins, current(), stages, context, ignore, fail);
        break;
      case "RUN":
        run(ins.args, current(), image.owners, fail);
        break;
      case "USER":
        image.user = ins.args;
        break;
      case "EXPOSE":
        image.exposed.push(...ins.args.split(/\s+/));
        break;
      case "VOLUME":
        image.volumes.push(...(ins.args.startsWith("[") ? (JSON.parse(ins.args) as string[]) : ins.args.split(/\s+/)));
        break;
      case "HEALTHCHECK": {
        const cmd = /^CMD\s+(\[.*\])$/.exec(ins.args);
        if (!cmd) fail("expected HEALTHCHECK [--options] CMD [\"exec\", \"form\"]");
        image.healthcheck = JSON.parse(cmd![1]!) as string[];
        break;
      }
      case "CMD":
        if (!ins.args.startsWith("[")) fail("CMD must be in exec form (signals reach node, not a shell)");
        image.cmd = JSON.parse(ins.args) as string[];
        break;
      default:
        fail("the replay does not understand this instruction");
    }
  }
  const last = current();
  return { ...image, root: last.root, workdir: last.workdir, env: last.env };
}

function copy(ins: Instruction, stage: Stage, stages: Stage[], context: string, ignore: string[], fail: (why: string) => never): void {
  for (const flag of Object.keys(ins.flags)) if (flag !== "from" && flag !== "chown") fail(`COPY --${flag} is not replayed`);
  const parts = ins.args.split(/\s+/);
  const dest = parts.pop();
  if (!dest || parts.length === 0) fail("expected COPY src... dest");
  const from = ins.flags.from === undefined ? undefined : stages.find((s) => s.name === ins.flags.from);
  if (ins.flags.from !== undefined && !from) fail(`no earlier stage named ${ins.flags.from}`);
  const target = join(stage.root, posix.resolve(stage.workdir, dest!));
  for (const src of parts) {
    const source = from ? join(from.root, posix.resolve(from.workdir, src)) : join(context, src);
    if (!existsSync(source)) fail(`${src} does not exist in ${from ? `stage ${from.name}` : "the build context"}`);
    const isDir = statSync(source).isDirectory();
    // Docker copies a directory's contents into dest; a file into dest/ when dest ends with "/".
    const to = isDir || !dest!.endsWith("/") ? target : join(target, basename(source));
    mkdirSync(isDir ? to : dirname(to), { recursive: true });
    cpSync(source, to, {
      recursive: true, verbatimSymlinks: true,
      filter: (path) => from !== undefined || !ignore.some((pattern) => ignored(relative(context, path), pattern)),
    });
  }
}

function run(command: string, stage: Stage, owners: Record<string, string>, fail: (why: string) => never): void {
  if (command.startsWith("[")) fail("RUN in exec form is not replayed");
  for (const step of command.split("&&").map((s) => s.trim())) {
    const [program, ...args] = step.split(/\s+/);
    if (program === "npm") {
      execFileSync("npm", args, {
        cwd: join(stage.root, stage.workdir), stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...stage.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, npm_config_prefer_offline: "true" },
      });
    } else if (program === "mkdir" && args[0] === "-p") {
      for (const path of args.slice(1)) mkdirSync(join(stage.root, posix.resolve(stage.workdir, path)), { recursive: true });
    } else if (program === "chown" && args.length >= 2 && !args[0]!.startsWith("-")) {
      // Not root here: record who would own what, and check it exists.
      for (const path of args.slice(1)) {
        const abs = posix.resolve(stage.workdir, path);
        if (!existsSync(join(stage.root, abs))) fail(`chown of ${abs}, which does not exist`);
        owners[abs] = args[0]!;
      }
    } else {
      fail(`the replay does not understand "${step}" (it runs npm, mkdir -p and chown)`);
    }
  }
}

function readIgnore(context: string): string[] {
  const file = join(context, ".dockerignore");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

/** Whether a context-relative path is excluded by one .dockerignore pattern (or lies under one). */
function ignored(path: string, pattern: string): boolean {
  if (path === "") return false;
  const parts = path.split("/");
  return parts.some((_, i) => matchesGlob(parts.slice(0, i + 1).join("/"), pattern));
}
