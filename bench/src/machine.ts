import { execFileSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";

/** The machine a figure was measured on, and how busy it was (the machine is shared). */
export interface MachineInfo {
  nproc: number;
  model: string;
  node: string;
  /** `uptime` before and after the run: other engineers' load shows here. */
  uptimeBefore: string;
  uptimeAfter: string;
  /** `ulimit -n` of the bench (inherited by the servers it starts). */
  openFilesLimit: string;
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

/** The `uptime` line, or the load averages when the command is missing. */
export function uptime(): string {
  return run("uptime", []) || `load average: ${loadavg().map((l) => l.toFixed(2)).join(", ")}`;
}

/** What is known about the machine now. */
export function machineInfo(): MachineInfo {
  const model = /Model name:\s*(.+)/.exec(run("lscpu", []))?.[1]?.trim() ?? "unknown";
  const load = uptime();
  return {
    nproc: Number(run("nproc", [])) || availableParallelism(), model, node: process.version,
    uptimeBefore: load, uptimeAfter: load, openFilesLimit: `${run("sh", ["-c", "ulimit -n; ulimit -Hn"]).replace("\n", " (hard ")})`,
  };
}
