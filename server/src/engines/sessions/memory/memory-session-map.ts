import type { DeviceSession, PresenceRecord, SessionMap } from "../interface.ts";

/**
 * The session map of a single node: everything in process memory.
 *
 * Limits: it sees only the devices of the node it lives in, and forgets last-seen times on restart.
 * Entries never expire by themselves: the node removes a stream when it closes or misses heartbeats.
 */
export function createMemorySessionMap(): SessionMap {
  const byUser = new Map<string, Map<string, DeviceSession>>();
  const lastSeen = new Map<string, Date>();

  return {
    async add(s) {
      let conns = byUser.get(s.userId);
      const first = !conns || conns.size === 0;
      if (!conns) byUser.set(s.userId, (conns = new Map()));
      conns.set(s.connectionId, s);
      lastSeen.set(s.userId, new Date());
      return first;
    },
    async remove(s) {
      const conns = byUser.get(s.userId);
      if (!conns?.delete(s.connectionId)) return false;
      lastSeen.set(s.userId, new Date());
      if (conns.size > 0) return false;
      byUser.delete(s.userId);
      return true;
    },
    async refresh(sessions) {
      const now = new Date();
      for (const s of sessions) if (byUser.get(s.userId)?.has(s.connectionId)) lastSeen.set(s.userId, now);
    },
    async expire() {
      return []; // entries here never lapse: the node removes its streams itself
    },
    async locate(userIds) {
      const nodes = new Map<string, string[]>();
      for (const userId of new Set(userIds)) {
        const seen = new Set<string>();
        for (const s of byUser.get(userId)?.values() ?? []) {
          if (seen.has(s.nodeId)) continue;
          seen.add(s.nodeId);
          const list = nodes.get(s.nodeId);
          if (list) list.push(userId);
          else nodes.set(s.nodeId, [userId]);
        }
      }
      return nodes;
    },
    async presence(userIds) {
      return userIds.map((userId): PresenceRecord => ({
        userId,
        online: (byUser.get(userId)?.size ?? 0) > 0,
        lastSeen: lastSeen.get(userId),
      }));
    },
    async close() {
      byUser.clear();
    },
  };
}
