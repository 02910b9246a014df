/**
 * The session map: which devices of which user are connected to which node, and presence.
 *
 * `memory/` serves one node; `redis/` serves a cluster, where entries carry a TTL refreshed by
 * heartbeats so that a crashed node's devices expire by themselves. Both pass `contract.spec.ts`.
 */
export interface SessionMap {
  /** Records a connected device. Resolves true when the user had no connected device before. */
  add(session: DeviceSession): Promise<boolean>;
  /**
   * Forgets a connected device. Resolves true when it was the user's last one (the user went
   * offline); the user's last-seen time is then now.
   */
  remove(session: DeviceSession): Promise<boolean>;
  /** Keeps a device's entry alive (called on heartbeats). */
  refresh(sessions: readonly DeviceSession[]): Promise<void>;
  /**
   * Drops the entries that lapsed without a refresh (the devices of a crashed node) and resolves the
   * users who thereby went offline. Every node calls it now and then; each user is reported by one
   * call only, cluster-wide, so that one node announces the change.
   */
  expire(): Promise<string[]>;
  /** The nodes holding connected devices of the given users: node id to the users on it. */
  locate(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Presence of the given users, in the same order. */
  presence(userIds: readonly string[]): Promise<PresenceRecord[]>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** One connected stream of a device on a node. */
export interface DeviceSession {
  userId: string;
  deviceId: string;
  /** Unique per stream: a device may briefly hold two streams while it reconnects. */
  connectionId: string;
  nodeId: string;
}

/** Whether a user is online, and when they were last seen. */
export interface PresenceRecord {
  userId: string;
  online: boolean;
  /** Undefined when the user has never connected. */
  lastSeen: Date | undefined;
}
