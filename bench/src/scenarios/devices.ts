import { nowUs } from "../load/clock.ts";
import { mergeHistograms, summarize } from "../load/histogram.ts";
import { startProgress } from "../load/progress.ts";
import type { ConnectReport, DevicePlan } from "../load/protocol.ts";
import type { LatencySummary } from "../load/histogram.ts";
import type { ScenarioContext } from "./scenario.ts";

/** How long past its schedule connecting may take (a loaded server answers Ready seconds late). */
const connectSlackMs = 120_000;

/** The devices of each agent: contiguous blocks, so agent i runs plans[block i]. */
export function splitPlans(plans: readonly DevicePlan[], agents: number): DevicePlan[][] {
  const size = Math.ceil(plans.length / agents);
  return Array.from({ length: agents }, (_, i) => plans.slice(i * size, (i + 1) * size));
}

/** The outcome of connecting every device. */
export interface ConnectOutcome {
  connected: number;
  failed: number;
  /** From the scheduled connect to Ready (and ResumeComplete when the plan resumes). */
  latency: LatencySummary | undefined;
  /** Connects per second achieved, first scheduled to last done. */
  rate: number;
  errors: string[];
}

/**
 * Connects the planned devices through the agents at `rate` per second in total (open loop: a slow
 * server does not slow the schedule, it shows up as connect latency).
 */
export async function connectDevices(ctx: ScenarioContext, plans: DevicePlan[], rate: number): Promise<ConnectOutcome> {
  const blocks = splitPlans(plans, ctx.agents.size);
  const bar = startProgress(`${ctx.system.name}: connecting`, plans.length, "devices");
  ctx.agents.onProgress = (done) => bar.update(done);
  const startUs = nowUs() + 300_000; // let every agent get its command before the schedule starts
  const reports = await ctx.agents.run<ConnectReport>((i) => ({
    type: "connect", protocol: ctx.system.protocol, client: ctx.options.client, devices: blocks[i]!,
    rate: (rate * blocks[i]!.length) / plans.length, startUs,
  }), { deadlineMs: (plans.length / rate) * 1000 + connectSlackMs }).finally(() => bar.stop());
  const connected = reports.reduce((n, r) => n + r.connected, 0);
  const doneUs = Math.max(...reports.map((r) => r.doneUs));
  const latency = mergeHistograms(reports.map((r) => r.latency));
  return {
    connected, failed: reports.reduce((n, r) => n + r.failed, 0), latency: summarize(latency),
    rate: doneUs > startUs ? Math.round(connected / ((doneUs - startUs) / 1e6)) : 0,
    errors: reports.flatMap((r) => r.errorSamples).slice(0, 5),
  };
}

/** Places device i on a node, round-robin. */
export function nodeUrl(ctx: ScenarioContext, i: number): string {
  const urls = ctx.system.urls;
  return urls[i % urls.length]!;
}
