import { quickAnswerMs } from "../load/agent-pool.ts";
import { nowUs, sleepUntil } from "../load/clock.ts";
import { mergeHistograms, summarize } from "../load/histogram.ts";
import { startProgress } from "../load/progress.ts";
import type { DevicePlan, TrafficReport } from "../load/protocol.ts";
import type { StepResult } from "../results.ts";
import { ServerMonitor, type ServerUsage } from "../targets/monitor.ts";
import { connectDevices, splitPlans } from "./devices.ts";
import { mib, type ScenarioContext } from "./scenario.ts";

/** The devices of a traffic scenario and what one message turns into. */
export interface TrafficLayout {
  plans: DevicePlan[];
  /** Deliveries to devices of other members per message (1 in a direct conversation). */
  fanOut: number;
  /** Extra figures of each measured window (counters read at its start and end). */
  probe?: WindowProbe;
}

/** Reads counters over a step's measured window and turns them into figures. */
export interface WindowProbe {
  begin(): Promise<void>;
  /** Reads the counters at the window's end; the figures come once the messages ACKed in it are known. */
  end(): Promise<(accepted: number) => Record<string, number>>;
}

/**
 * The direct and group scenarios: connect every device, then for each offered rate run an open-loop
 * step (warm-up, measured window, drain) and take messages/s accepted, deliveries/s, send→ACK and
 * send→receive latency from the scheduled send time, and the server's CPU and memory.
 */
export async function runTraffic(ctx: ScenarioContext, layout: TrafficLayout): Promise<StepResult[]> {
  const { options, agents, system } = ctx;
  const connect = await connectDevices(ctx, layout.plans, options.connectRate);
  if (connect.failed > 0) ctx.notes.push(`${connect.failed} devices failed to connect: ${connect.errors.join("; ")}`);
  const blocks = splitPlans(layout.plans, agents.size);
  const senders = blocks.map((b) => b.filter((p) => p.sendTo.length > 0).length);
  const totalSenders = senders.reduce((a, b) => a + b, 0);
  const steps: StepResult[] = [];
  const drainMs = 15_000;
  for (const rate of options.rates) {
    const startUs = nowUs() + 300_000;
    const measureFromUs = startUs + options.warmupS * 1e6;
    const endUs = measureFromUs + options.durationS * 1e6;
    const bar = startProgress(`${system.name}: ${rate} msg/s`, (rate * (endUs - startUs)) / 1e6, "sends");
    agents.onProgress = (done) => bar.update(done);
    const usage = watchWindow(ctx.monitor, measureFromUs, endUs);
    const agentUsage = watchWindow(new ServerMonitor(() => agents.pids()), measureFromUs, endUs);
    const probed = layout.probe ? probeWindow(layout.probe, measureFromUs, endUs) : undefined;
    // Awaited (and so thrown) below, after the agents answer; this only keeps a read that fails
    // earlier from being an unhandled rejection that kills the bench before it stops its servers.
    probed?.catch(() => undefined);
    const reports = await agents.run<TrafficReport>((i) => ({
      type: "traffic", rate: (rate * senders[i]!) / totalSenders, startUs, measureFromUs, endUs, drainMs, textBytes: options.textBytes,
    }), { deadlineMs: (endUs - nowUs()) / 1000 + drainMs + quickAnswerMs }).finally(() => bar.stop());
    const step = trafficStep(rate, options.durationS, layout.fanOut, reports, await usage, await agentUsage);
    if (probed !== undefined) Object.assign(step.figures, (await probed)(step.figures["accepted msg/s"]! * options.durationS));
    steps.push(step);
  }
  await agents.run((): { type: "disconnect" } => ({ type: "disconnect" }), { deadlineMs: quickAnswerMs });
  return steps;
}

/** Process usage over the measured window only (warm-up and drain left out). */
async function watchWindow(monitor: ServerMonitor, fromUs: number, toUs: number): Promise<ServerUsage> {
  await sleepUntil(fromUs);
  monitor.start();
  await sleepUntil(toUs);
  return monitor.stop();
}

/** Runs a probe over the measured window; resolves with what it read. */
async function probeWindow(probe: WindowProbe, fromUs: number, toUs: number): Promise<(accepted: number) => Record<string, number>> {
  await sleepUntil(fromUs);
  await probe.begin();
  await sleepUntil(toUs);
  return probe.end();
}

/** The figures of one step, from the agents' reports. */
function trafficStep(rate: number, durationS: number, fanOut: number, reports: TrafficReport[], usage: ServerUsage, agentUsage: ServerUsage): StepResult {
  const sum = (f: (r: TrafficReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  const ack = summarize(mergeHistograms(reports.map((r) => r.ackLatency)));
  const receive = summarize(mergeHistograms(reports.map((r) => r.receiveLatency)));
  const lag = summarize(mergeHistograms(reports.map((r) => r.generatorLag)));
  const sent = sum((r) => r.sent);
  const perSecond = (n: number) => Math.round(n / Math.max(durationS, 1e-9));
  return {
    label: `${rate} msg/s`, rate,
    figures: {
      "offered msg/s": rate,
      "accepted msg/s": perSecond(sum((r) => r.acksInWindow)),
      "delivered/s": perSecond(sum((r) => r.deliveriesInWindow)),
      "ack p50 ms": ack?.p50 ?? NaN, "ack p99 ms": ack?.p99 ?? NaN, "ack p99.9 ms": ack?.p999 ?? NaN,
      "recv p50 ms": receive?.p50 ?? NaN, "recv p99 ms": receive?.p99 ?? NaN, "recv p99.9 ms": receive?.p999 ?? NaN,
      "unacked": sent - sum((r) => r.acked),
      "undelivered": sent * fanOut - sum((r) => r.delivered),
      "errors": sum((r) => r.frameErrors + r.streamErrors),
      "gen lag p99 ms": lag?.p99 ?? NaN,
      "server CPU %": usage.cpuPercent,
      "server main thread CPU %": usage.mainThreadCpuPercent,
      "server RSS MiB": mib(usage.rssMaxBytes),
      "load agents CPU %": agentUsage.cpuPercent,
    },
    latency: { "send→ack": ack, "send→receive": receive, "generator lag": lag },
    errors: reports.flatMap((r) => r.errorSamples).slice(0, 5),
  };
}
