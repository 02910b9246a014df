import type { UserStatus } from "../sessions/interface.ts";

/**
 * What the store keeps of presence, so that it survives the session map (sessions/kept-presence.ts):
 * each user's chosen status while it is not the default, and their last-seen time. The session map
 * holds the live truth; this is its durable copy, written when either changes and read back in
 * full when the map lost them (the embedded node's start, Redis restarted empty). Both stores
 * implement it and pass `presence-contract.spec.ts`.
 */
export interface PresenceStore {
  /** Keeps users' statuses; `undefined` is the default status (online, no text): nothing is kept then. */
  putUserStatuses(statuses: readonly { userId: string; status: UserStatus | undefined }[]): Promise<void>;
  /**
   * Keeps users' last-seen times. A time earlier than the one kept changes nothing, so that writes
   * from several nodes, or retried ones, may land in any order.
   */
  putLastSeen(times: readonly { userId: string; at: Date }[]): Promise<void>;
  /**
   * Everything kept, a page of at most `pageSize` users at a time, in no particular order: a full
   * scan, for restoring a session map that lost its state.
   */
  keptPresence(pageSize: number): AsyncIterable<KeptPresence[]>;
}

/** One user's kept presence: a status (undefined: the default) and a last-seen time (undefined: never seen). */
export interface KeptPresence {
  userId: string;
  status: UserStatus | undefined;
  lastSeen: Date | undefined;
}
