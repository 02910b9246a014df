import type { KeptPresence } from "../store/presence-store.ts";

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
  /** Presence of the given users, in the same order, as the users themselves see it (the truth). */
  presence(userIds: readonly string[]): Promise<PresenceRecord[]>;
  /**
   * Changes a user's status in one atomic step and resolves their presence just before and just
   * after it. Going invisible records the last-seen time others are shown from then on: now when
   * the user is online, else their last-seen time. A text with an expiry is cleared by itself then:
   * no presence read after it shows the text, and {@link expireStatuses} reports the user.
   */
  setStatus(userId: string, change: StatusChange): Promise<{ before: PresenceRecord; after: PresenceRecord }>;
  /**
   * Clears the status texts whose expiry passed and resolves their users. Every node calls it now
   * and then; each expiry is reported by one call only, cluster-wide, so that one node announces it.
   */
  expireStatuses(): Promise<string[]>;
  /**
   * Puts back the statuses and last-seen times the store keeps (`kept`, read page by page) when this
   * map lost them: a fresh memory map, or a Redis that came back empty (see kept-presence.ts). What
   * the map holds already was written since and is newer: it stays. One caller restores,
   * cluster-wide; resolves how many users it read back, 0 when nothing was lost or another node is at it.
   * A kept text whose expiry passed is put back expired: no read shows it, and {@link expireStatuses}
   * reports it (its announcement may have been lost with the map).
   */
  restoreIfLost(kept: () => AsyncIterable<KeptPresence[]>): Promise<number>;
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

/** Whether a user is online, when they were last seen, and the status they chose. */
export interface PresenceRecord {
  userId: string;
  online: boolean;
  /** Undefined when the user has never connected. */
  lastSeen: Date | undefined;
  /** Absent for the default status: online, no text. */
  status?: UserStatus;
}

/** What a user chose to show beside their presence (user.proto's Availability). */
export type Availability = "online" | "away" | "busy" | "invisible";

/** A user's status: never one with an expired text. */
export interface UserStatus {
  availability: Availability;
  /** The custom text; "" for none. */
  text: string;
  /** When `text` clears by itself; undefined when it does not (or there is none). */
  textExpiresAt: Date | undefined;
  /**
   * While invisible: the last-seen time others are shown, frozen when the user went invisible
   * (undefined when the user had never been seen). Undefined when not invisible.
   */
  hiddenLastSeen: Date | undefined;
}

/** A change of status; what it leaves undefined stays as it is. */
export interface StatusChange {
  availability?: Availability;
  /** The new text ("" clears it) and when it clears by itself (undefined: never). */
  text?: { text: string; expiresAt: Date | undefined };
}
