import { ClusterCounters } from "../targets/cluster-counters.ts";
import { directPlans } from "./direct.ts";
import type { Scenario } from "./scenario.ts";
import { runTraffic } from "./traffic.ts";

/**
 * `cluster`: the direct scenario on 1, 2 and 3 cluster nodes (the systems cluster-1n, -2n, -3n,
 * alternating per round), each device on the next node in turn so that most pairs span two nodes.
 * Besides rates and latencies it counts the work per message that does not depend on the machine:
 * CQL requests (and lightweight transactions) and Redis commands, and the CPU of every process.
 */
export const cluster: Scenario = {
  users: (options) => options.users - (options.users % 2),
  async run(ctx) {
    const { options } = ctx;
    const probe = new ClusterCounters(ctx.system, options.redisUrl!, options.scyllaContactPoints!.split(",")[0]!);
    try {
      return await runTraffic(ctx, { plans: await directPlans(ctx), fanOut: 1, probe });
    } finally {
      probe.close();
    }
  },
};
