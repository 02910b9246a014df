import { paths } from "../paths.ts";
import { type ServiceProcess, startService } from "./service-process.ts";

/** Options of {@link startChatNode}. */
export interface ChatNodeOptions {
  dataDir: string;
  /** 0 (default) lets the node pick; a restart passes the port it had. */
  port?: number;
  /** CHAT_* engine settings (cluster) and the like. */
  env: NodeJS.ProcessEnv;
  /** Extra server flags, e.g. a heartbeat interval. */
  args?: string[];
  /** Flags for node itself, e.g. `--cpu-prof --cpu-prof-dir <dir>`. */
  nodeFlags?: string[];
}

/** Starts `node server/src/main.ts` on a loopback port and waits for its ready line. */
export function startChatNode(options: ChatNodeOptions): Promise<ServiceProcess> {
  return startService({
    name: "chat server",
    args: [paths.serverMain, "--host", "127.0.0.1", "--port", String(options.port ?? 0), "--data-dir", options.dataDir,
      "--log-level", "warn",
      // Every simulated device connects from this one loopback address, and the load is the measurement:
      // the per-address caps and the rate limits would refuse it.
      "--max-connections-per-ip", "0", "--max-unauthenticated-per-ip", "0", "--rate-limits", "off", ...(options.args ?? [])],
    env: options.env,
    ready: /chat server ready on (https?:\/\/\S+)/,
    nodeFlags: options.nodeFlags ?? [],
    timeoutMs: 60_000,
  });
}
