import type { Fault } from "./fault-run.ts";

/** kill -9 a node, and start it again (as a supervisor would) 2 s later. */
export const killNode = (index: number): Fault => ({
  name: `kill -9 node ${index + 1}`,
  inject: (rig) => rig.nodes[index]!.kill(),
  durationMs: 2_000,
  heal: (rig) => rig.nodes[index]!.restart(),
});

/** Redis killed and started again on its port with nothing in it. */
export const restartRedisEmpty = (): Fault => ({
  name: "Redis restarted empty",
  inject: (rig) => rig.redis.restart(),
  durationMs: 0,
  heal: async () => undefined,
});

/** SIGSTOP a node for `ms` (20 s: longer than any lease or heartbeat timeout), then SIGCONT. */
export const pauseNode = (index: number, ms = 20_000): Fault => ({
  name: `SIGSTOP node ${index + 1} ${ms / 1000} s`,
  inject: async (rig) => rig.nodes[index]!.pause(),
  durationMs: ms,
  heal: async (rig) => rig.nodes[index]!.resume(),
});
