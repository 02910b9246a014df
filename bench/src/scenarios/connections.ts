import { execFileSync } from "node:child_process";
import { quickAnswerMs } from "../load/agent-pool.ts";
import { sleep } from "../load/clock.ts";
import type { DevicePlan, StatsReport } from "../load/protocol.ts";
import type { StepResult } from "../results.ts";
import { establishedConnections } from "../targets/process-stats.ts";
import { connectDevices, nodeUrl } from "./devices.ts";
import { mib, type Scenario, type ScenarioContext } from "./scenario.ts";

/** File descriptors the server needs besides its client sockets (store, listeners, stdio). */
const serverSpareFds = 64;

/**
 * `connections`: ramps to `users × devices-per-user` idle devices (20,000 by default) at `--rate`
 * connects/s, holds them for `--duration` seconds while they heartbeat, and takes the connect rate,
 * the server's resident memory per connection, and the CPU its heartbeats cost.
 */
export const connections: Scenario = {
  users: (options) => options.users,
  async run(ctx) {
    const { options, system } = ctx;
    const deviceCount = system.accounts.length * options.devicesPerUser;
    const limit = hardFdLimit();
    if (deviceCount + serverSpareFds > limit) {
      ctx.notes.push(`the server may hold at most ${limit} file descriptors (hard ulimit -n, not raisable here without CAP_SYS_RESOURCE): ${deviceCount} connections plus the server's own files exceed it, so the last ones are refused`);
    }
    if (options.devicesPerUser > 1) ctx.notes.push(`${options.devicesPerUser} streams per account: ${system.accounts.length} accounts, ${deviceCount} connections`);
    const plans: DevicePlan[] = Array.from({ length: deviceCount }, (_, d) => {
      const a = system.accounts[d % system.accounts.length]!;
      return { url: nodeUrl(ctx, d), account: { userId: a.userId, token: a.token, conversationIds: [] }, sendTo: [] };
    });
    const steps: StepResult[] = [];
    for (const rate of options.rates) steps.push(await ramp(ctx, plans, rate));
    return steps;
  },
};

async function ramp(ctx: ScenarioContext, plans: DevicePlan[], rate: number): Promise<StepResult> {
  const { agents, monitor, system, options } = ctx;
  await sleep(2_000);
  const baseline = monitor.rss();
  const connect = await connectDevices(ctx, plans, rate);
  const established = system.ports().reduce((n, port) => n + establishedConnections(port), 0);
  await sleep(5_000); // let the server settle (GC, lazily grown buffers) before reading its memory
  const rss = monitor.rss();
  const heartbeats = async () => (await agents.run<StatsReport>(() => ({ type: "stats" }), { deadlineMs: quickAnswerMs })).reduce((n, s) => n + s.heartbeats, 0);
  const before = await heartbeats();
  monitor.start();
  await sleep(options.durationS * 1000);
  const usage = monitor.stop();
  const stats = await agents.run<StatsReport>(() => ({ type: "stats" }), { deadlineMs: quickAnswerMs });
  const sent = stats.reduce((n, s) => n + s.heartbeats, 0) - before;
  await agents.run((): { type: "disconnect" } => ({ type: "disconnect" }), { deadlineMs: quickAnswerMs });
  return {
    label: `${plans.length} devices at ${rate} connects/s`, rate,
    figures: {
      "devices": plans.length,
      "connected": connect.connected,
      "failed": connect.failed,
      "connects/s": connect.rate,
      "connect p50 ms": connect.latency?.p50 ?? NaN,
      "connect p99 ms": connect.latency?.p99 ?? NaN,
      "TCP conns at server": established,
      "server RSS MiB": mib(rss),
      "RSS before MiB": mib(baseline),
      "KiB per connection": connect.connected > 0 ? Math.round(((rss - baseline) / connect.connected / 1024) * 10) / 10 : NaN,
      "heartbeats/s": Math.round(sent / Math.max(options.durationS, 1e-9)),
      "idle CPU %": usage.cpuPercent,
      "CPU µs per heartbeat": sent > 0 ? Math.round((usage.cpuSeconds * 1e6) / sent) : NaN,
      "open at end": stats.reduce((n, s) => n + s.open, 0),
      "stream errors": stats.reduce((n, s) => n + s.streamErrors, 0),
    },
    latency: { connect: connect.latency },
    errors: connect.errors,
  };
}

/** The hard limit on open files this process (and so the servers it starts) may raise to. */
function hardFdLimit(): number {
  try {
    return Number(execFileSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).trim()) || Infinity;
  } catch {
    return Infinity;
  }
}
