import type { DevicePlan } from "../load/protocol.ts";
import { nodeUrl } from "./devices.ts";
import type { Scenario } from "./scenario.ts";
import { runTraffic } from "./traffic.ts";

/**
 * `group`: the users split into `--groups` groups (10 × 100 by default = 1,000 connections); every
 * member sends to its group in turn. One message = one ACK + (members − 1) deliveries.
 */
export const group: Scenario = {
  users: (options) => options.users - (options.users % options.groups),
  async run(ctx) {
    const { system, options } = ctx;
    const size = system.accounts.length / options.groups;
    const plans: DevicePlan[] = [];
    for (let g = 0; g < options.groups; g++) {
      const members = system.accounts.slice(g * size, (g + 1) * size);
      const conversationId = await system.createGroup(`bench group ${g}`, members[0]!, members);
      members.forEach((m, j) => plans.push({
        url: nodeUrl(ctx, g * size + j), account: { userId: m.userId, token: m.token, conversationIds: [conversationId] },
        sendTo: [conversationId], cursors: [{ conversationId, seq: 0 }],
      }));
    }
    return runTraffic(ctx, { plans, fanOut: size - 1 });
  },
};
