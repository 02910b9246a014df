import type { DeviceSession, PresenceRecord, SessionMap, StatusChange, UserStatus } from "../interface.ts";

/**
 * The session map of a single node: everything in process memory.
 *
 * Limits: it sees only the devices of the node it lives in, and forgets last-seen times and statuses
 * on restart (kept-presence.ts keeps them in the store and restores them at start, before the node serves). Entries never expire by themselves: the node removes a stream when it closes or misses
 * heartbeats. Statuses are kept only while they differ from the default (one entry per such user,
 * an account at most), and expiry scans them all: fine for the users of one node.
 */
export function createMemorySessionMap(): SessionMap {
  const byUser = new Map<string, Map<string, DeviceSession>>();
  const lastSeen = new Map<string, Date>();
  const statuses = new Map<string, UserStatus>();
  /** A memory map loses everything with its process: it is restored once, when new. */
  let restored = false;
  /**
   * The user's status now, an expired text left out. The entry itself is cleared by expireStatuses,
   * which must still find it to report the expiry.
   */
  const statusOf = (userId: string, now: Date): UserStatus | undefined => {
    const status = statuses.get(userId);
    if (!status?.textExpiresAt || status.textExpiresAt > now) return status;
    return status.availability === "online" ? undefined : { ...status, text: "", textExpiresAt: undefined };
  };
  /** Stores a status, or forgets it when it is the default. */
  const keep = (userId: string, status: UserStatus): void => {
    if (status.availability === "online" && status.text === "") statuses.delete(userId);
    else statuses.set(userId, status);
  };
  /** The user's presence record now. */
  const presenceOf = (userId: string, now: Date): PresenceRecord => {
    const status = statusOf(userId, now);
    return { userId, online: (byUser.get(userId)?.size ?? 0) > 0, lastSeen: lastSeen.get(userId), ...(status ? { status } : {}) };
  };
  /** The status `change` makes of the one in `before` (what the Redis map's setStatusScript does). */
  const changed = (before: PresenceRecord, change: StatusChange, now: Date): UserStatus => {
    const current = before.status ?? { availability: "online", text: "", textExpiresAt: undefined, hiddenLastSeen: undefined };
    const availability = change.availability ?? current.availability;
    const text = change.text ?? { text: current.text, expiresAt: current.textExpiresAt };
    let hiddenLastSeen: Date | undefined;
    if (availability === "invisible") {
      // Frozen when the user goes invisible: now if online, else when last seen; kept while invisible.
      const frozenNow = before.online ? now : before.lastSeen;
      hiddenLastSeen = current.availability === "invisible" ? current.hiddenLastSeen : frozenNow;
    }
    return { availability, text: text.text, textExpiresAt: text.text === "" ? undefined : text.expiresAt, hiddenLastSeen };
  };

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
        for (const s of byUser.get(userId)?.values() ?? []) {
          const list = nodes.get(s.nodeId);
          // A user's devices on one node count once: if this user is in the node's list, it went in
          // last (users are taken one at a time). No Set per user: 100 of them per group message.
          if (!list) nodes.set(s.nodeId, [userId]);
          else if (list[list.length - 1] !== userId) list.push(userId);
        }
      }
      return nodes;
    },
    async presence(userIds) {
      const now = new Date();
      return userIds.map((userId) => presenceOf(userId, now));
    },
    async setStatus(userId, change) {
      const now = new Date();
      const before = presenceOf(userId, now);
      keep(userId, changed(before, change, now));
      return { before, after: presenceOf(userId, now) };
    },
    async expireStatuses() {
      const now = new Date();
      const lapsed = [...statuses].filter(([, s]) => s.textExpiresAt && s.textExpiresAt <= now).map(([userId]) => userId);
      for (const userId of lapsed) keep(userId, { ...statuses.get(userId)!, text: "", textExpiresAt: undefined });
      return lapsed;
    },
    async restoreIfLost(kept) {
      if (restored) return 0;
      restored = true;
      let count = 0;
      for await (const page of kept()) {
        for (const p of page) {
          if (p.lastSeen && !lastSeen.has(p.userId)) lastSeen.set(p.userId, p.lastSeen);
          if (p.status && !statuses.has(p.userId)) statuses.set(p.userId, p.status);
        }
        count += page.length;
      }
      return count;
    },
    async close() {
      byUser.clear();
      statuses.clear();
    },
  };
}
