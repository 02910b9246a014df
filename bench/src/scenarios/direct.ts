import type { DevicePlan } from "../load/protocol.ts";
import { nodeUrl } from "./devices.ts";
import type { Scenario, ScenarioContext } from "./scenario.ts";
import { runTraffic } from "./traffic.ts";

/**
 * `direct`: users paired into direct conversations (1,000 users, 500 conversations by default),
 * every device sending to its partner. One message = one ACK + one delivery to the partner.
 */
export const direct: Scenario = {
  users: (options) => options.users - (options.users % 2),
  async run(ctx) {
    return runTraffic(ctx, { plans: await directPlans(ctx), fanOut: 1 });
  },
};

/** Pairs the accounts into direct conversations, each device on the next node in turn, sending to its partner. */
export async function directPlans(ctx: ScenarioContext): Promise<DevicePlan[]> {
  const { system } = ctx;
  const accounts = system.accounts;
  const plans: DevicePlan[] = [];
  for (let i = 0; i + 1 < accounts.length; i += 2) {
    const a = accounts[i]!, b = accounts[i + 1]!;
    const conversationId = await system.createDirect(a, b);
    for (const [j, account] of [[i, a], [i + 1, b]] as const) {
      plans.push({
        url: nodeUrl(ctx, j), account: { userId: account.userId, token: account.token, conversationIds: [conversationId] },
        sendTo: [conversationId], cursors: [{ conversationId, seq: 0 }], receipts: ctx.options.receipts,
      });
    }
  }
  return plans;
}
