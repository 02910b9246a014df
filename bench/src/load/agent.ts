import { Fleet } from "./fleet.ts";
import { trustCaFile } from "../trust.ts";
import type { AgentCommand, AgentReply } from "./protocol.ts";

/**
 * A load agent: a child process that runs a share of the simulated devices for the coordinator
 * (agent-pool.ts). The load is spread over processes, not threads, because one process may hold at
 * most `ulimit -n` sockets and because each gets its own event loop and heap.
 */
trustCaFile(process.env.CHAT_CA_FILE); // `--ca-file` of the coordinator, for an https:// server
const tag = process.argv[2] ?? String(process.pid);
const fleet = new Fleet(tag);

function reply(message: AgentReply): void {
  process.send?.(message);
}

const progressTimer = setInterval(() => reply({ type: "progress", done: fleet.progress }), 250);
progressTimer.unref();

async function run(cmd: Exclude<AgentCommand, { type: "exit" }>): Promise<unknown> {
  switch (cmd.type) {
    case "connect": return fleet.connect(cmd);
    case "resume": return fleet.resume(cmd);
    case "traffic": return fleet.traffic(cmd);
    case "stats": return fleet.stats();
    case "disconnect": return fleet.disconnect();
  }
}

process.on("message", (cmd: AgentCommand) => {
  if (cmd.type === "exit") {
    fleet.disconnect();
    process.exit(0);
  }
  run(cmd).then(
    (result) => reply({ type: "done", id: cmd.id, result }),
    (err) => reply({ type: "failed", id: cmd.id, error: String((err as Error).stack ?? err) }),
  );
});
// The coordinator died: do not linger with thousands of open connections.
process.on("disconnect", () => process.exit(0));
