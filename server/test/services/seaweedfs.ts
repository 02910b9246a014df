import { execFile, spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { freePorts } from "./free-port.ts";

/** A running throw-away SeaweedFS with its S3 gateway, see {@link startSeaweedfs}. */
export interface SeaweedfsHandle {
  /** `http://127.0.0.1:PORT`: the S3 endpoint (any credentials are accepted: no identities are configured). */
  s3Url: string;
  /** Kills the server and deletes its data. Safe to call twice. */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;
/** Where scripts/install-seaweedfs.sh is, from here. */
const installer = join(import.meta.dirname, "..", "..", "..", "scripts", "install-seaweedfs.sh");

/** The `weed` binary: built once per machine by scripts/install-seaweedfs.sh (a no-op when it is there). */
async function weedBinary(): Promise<string> {
  const { stdout } = await promisify(execFile)("bash", [installer], { maxBuffer: 1 << 20 });
  return stdout.trim().split("\n").pop()!;
}

/** S3 works end to end: a bucket can be made and an object written (the volume server is up too). */
async function s3Ready(url: string): Promise<boolean> {
  try {
    const bucket = await fetch(`${url}/chat-probe`, { method: "PUT", signal: AbortSignal.timeout(2_000) });
    if (bucket.status !== 200 && bucket.status !== 409) return false;
    const put = await fetch(`${url}/chat-probe/ready`, { method: "PUT", body: "ok", signal: AbortSignal.timeout(2_000) });
    return put.status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts SeaweedFS (`weed server`: master, volume, filer and S3 gateway in one process) on free
 * loopback ports with its data in a temp dir, and resolves once an S3 PUT succeeds (~10 s). Every
 * port, the gRPC ones included, is chosen here: SeaweedFS's defaults (port + 10000) could collide.
 */
export async function startSeaweedfs(): Promise<SeaweedfsHandle> {
  const weed = await weedBinary();
  const dir = await mkdtemp(join(tmpdir(), "chat-seaweedfs-"));
  const logFile = join(dir, "weed.log");
  const ports = await freePorts(8);
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = ports as [number, number, number, number, number, number, number, number];
  // The gRPC servers also listen on unix sockets named after their ports in /tmp: removed on stop.
  const sockets = () => ports.flatMap((p) => ["master", "volume", "filer", "s3"].flatMap((k) => [`${k}-${p}`, `${k}-grpc-${p}`]))
    .map((name) => join("/tmp", `seaweedfs-${name}.sock`));
  let child: ChildProcess | undefined;
  const cleanUp = (): void => {
    rmSync(dir, { recursive: true, force: true });
    for (const socket of sockets()) rmSync(socket, { force: true });
  };
  const killOnExit = (): void => {
    child?.kill("SIGKILL");
    cleanUp();
  };
  process.once("exit", killOnExit);

  const log = await open(logFile, "a");
  const proc = spawn(weed, [
    "server", `-dir=${dir}`, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
    `-master.port=${master}`, `-master.port.grpc=${masterGrpc}`, "-master.volumeSizeLimitMB=64",
    `-volume.port=${volume}`, `-volume.port.grpc=${volumeGrpc}`, "-volume.max=0",
    "-filer", `-filer.port=${filer}`, `-filer.port.grpc=${filerGrpc}`, `-filer.localSocket=${join(dir, "filer.sock")}`,
    "-s3", `-s3.port=${s3}`, `-s3.port.grpc=${s3Grpc}`, `-s3.localSocket=${join(dir, "s3.sock")}`, "-s3.port.iceberg=0", "-s3.port.lance=0",
  ], { stdio: ["ignore", log.fd, log.fd] });
  child = proc;
  let exited: string | undefined;
  proc.once("exit", (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));
  proc.once("error", (error) => (exited = `could not start: ${error.message} (run scripts/install-seaweedfs.sh)`));
  await log.close();

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running?.pid !== undefined && running.exitCode === null && running.signalCode === null) {
      const gone = new Promise<void>((resolve) => running.once("exit", () => resolve()));
      running.kill("SIGKILL"); // throw-away data: nothing to flush
      await gone;
    }
    process.removeListener("exit", killOnExit);
    await rm(dir, { recursive: true, force: true });
    for (const socket of sockets()) await rm(socket, { force: true });
  };

  const s3Url = `http://127.0.0.1:${s3}`;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await s3Ready(s3Url))) {
    if (exited !== undefined || Date.now() > deadline) {
      const tail = (await readFile(logFile, "utf8").catch(() => "")).split("\n").slice(-30).join("\n");
      await stop();
      throw new Error(`SeaweedFS ${exited ?? `did not answer S3 within ${STARTUP_TIMEOUT_MS} ms`}\n--- weed log ---\n${tail}`);
    }
    await sleep(200);
  }
  return { s3Url, stop };
}
