import { quickAnswerMs } from "../load/agent-pool.ts";
import { nowUs } from "../load/clock.ts";
import { mergeHistograms, summarize } from "../load/histogram.ts";
import { startProgress } from "../load/progress.ts";
import type { DevicePlan, ResumeReport } from "../load/protocol.ts";
import { connectDevices, nodeUrl, splitPlans } from "./devices.ts";
import { mib, type Scenario } from "./scenario.ts";

/** How long the reconnect storm may take before the round is failed (the slowest seen took seconds). */
const resumeDeadlineMs = 300_000;

/** Backlog sends in flight (unary calls over one HTTP/2 connection). */
const backlogConcurrency = 64;

/**
 * `resume`: 1,000 devices in 500 direct conversations are connected and caught up, go away, miss
 * `--missed` messages each, the node restarts, and all of them reconnect at once and resume. The
 * figure is the time until the last device has its ResumeComplete (every missed message replayed).
 */
export const resume: Scenario = {
  users: (options) => options.users - (options.users % 2),
  async run(ctx) {
    const { system, options, agents, monitor } = ctx;
    const accounts = system.accounts;
    const plans: DevicePlan[] = [];
    const backlog: { from: (typeof accounts)[number]; conversationId: string; k: number }[] = [];
    for (let i = 0; i + 1 < accounts.length; i += 2) {
      const pair = [accounts[i]!, accounts[i + 1]!] as const;
      const conversationId = await system.createDirect(pair[0], pair[1]);
      pair.forEach((a, j) => plans.push({
        url: nodeUrl(ctx, i + j), account: { userId: a.userId, token: a.token, conversationIds: [conversationId] },
        sendTo: [], cursors: [{ conversationId, seq: 0 }],
      }));
      for (let k = 0; k < options.missed; k++) backlog.push({ from: pair[k % 2]!, conversationId, k });
    }
    const connect = await connectDevices(ctx, plans, options.connectRate);
    if (connect.failed > 0) ctx.notes.push(`${connect.failed} devices failed to connect: ${connect.errors.join("; ")}`);
    await agents.run((): { type: "disconnect" } => ({ type: "disconnect" }), { deadlineMs: quickAnswerMs });

    // While the devices are away, every conversation moves on by `missed` messages.
    const bar = startProgress(`${system.name}: writing backlog`, backlog.length, "msgs");
    let next = 0;
    await Promise.all(Array.from({ length: backlogConcurrency }, async () => {
      while (next < backlog.length) {
        const b = backlog[next++]!;
        await system.sendUnary(b.from, b.conversationId, `backlog-${b.k}`, `missed message ${b.k}`);
        bar.update(next);
      }
    })).finally(() => bar.stop());
    await system.restart();

    const blocks = splitPlans(plans, agents.size);
    const storm = startProgress(`${system.name}: reconnect + resume`, plans.length, "devices");
    agents.onProgress = (done) => storm.update(done);
    monitor.start();
    const startUs = nowUs() + 300_000;
    const reports = await agents.run<ResumeReport>((i) => ({
      type: "resume", startUs, cursors: blocks[i]!.map((p) => p.cursors ?? []),
    }), { deadlineMs: resumeDeadlineMs }).finally(() => storm.stop());
    const usage = monitor.stop();
    const latency = summarize(mergeHistograms(reports.map((r) => r.latency)));
    const sum = (f: (r: ResumeReport) => number) => reports.reduce((n, r) => n + f(r), 0);
    const allUs = Math.max(...reports.map((r) => r.doneUs)) - startUs;
    return [{
      label: `${plans.length} devices, ${options.missed} missed each`, rate: 0,
      figures: {
        "devices": plans.length,
        "missed per device": options.missed,
        "resumed": sum((r) => r.resumed),
        "failed": sum((r) => r.failed),
        "short (missing msgs)": sum((r) => r.short),
        "all caught up s": Math.round(allUs / 1e3) / 1e3,
        "catch-up p50 ms": latency?.p50 ?? NaN,
        "catch-up p99 ms": latency?.p99 ?? NaN,
        "replayed msgs": sum((r) => r.replayed),
        "replayed msgs/s": allUs > 0 ? Math.round(sum((r) => r.replayed) / (allUs / 1e6)) : NaN,
        "server CPU %": usage.cpuPercent,
        "server RSS MiB": mib(usage.rssMaxBytes),
      },
      latency: { "reconnect→caught up": latency },
      errors: reports.flatMap((r) => r.errorSamples).slice(0, 5),
    }];
  },
};
