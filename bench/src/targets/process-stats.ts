import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Kernel clock ticks per second, the unit of CPU times in /proc/<pid>/stat. */
const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** Resident memory of a process in bytes (VmRSS of /proc/<pid>/status), or 0 once it is gone. */
export function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * CPU time (user + system) a process has used, in seconds, or 0 once it is gone. With `thread`, that
 * thread's alone (a process's main thread has the process's id).
 */
export function cpuSeconds(pid: number, thread?: number): number {
  try {
    // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond; // utime, stime
  } catch {
    return 0;
  }
}

/**
 * Established TCP connections whose local port is `port` (the server's side of each client
 * connection), from /proc/net/tcp and tcp6: how the bench checks it holds one connection per device.
 */
export function establishedConnections(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let n = 0;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try { text = readFileSync(file, "utf8"); } catch { continue; }
    for (const line of text.split("\n")) {
      // "  sl  local_address rem_address   st ..." with addresses as HEXIP:HEXPORT; st 01 = ESTABLISHED
      const cols = line.trim().split(/\s+/);
      if (cols[3] === "01" && cols[1]?.endsWith(`:${hexPort}`)) n++;
    }
  }
  return n;
}
