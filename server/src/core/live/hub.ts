import type { ServerFrame } from "@chat/gen/chat/v1/live_pb.js";
import type { Connection } from "./connection.ts";

/** The connections open on this node, by user and by device. */
export class Hub {
  private readonly byUser = new Map<string, Set<Connection>>();

  /** Adds an open connection. */
  add(connection: Connection): void {
    let set = this.byUser.get(connection.caller.userId);
    if (!set) this.byUser.set(connection.caller.userId, (set = new Set()));
    set.add(connection);
  }

  /** Removes a connection; true when it was there. */
  remove(connection: Connection): boolean {
    const set = this.byUser.get(connection.caller.userId);
    if (!set?.delete(connection)) return false;
    if (set.size === 0) this.byUser.delete(connection.caller.userId);
    return true;
  }

  /** Frames queued on this node's connections since start (for /metrics: fan-out per message). */
  deliveredFrames = 0;

  /** Queues a frame on every connection of the given users on this node. */
  deliver(userIds: readonly string[], frame: ServerFrame): void {
    for (const userId of userIds) {
      for (const c of this.byUser.get(userId) ?? []) {
        c.send(frame);
        this.deliveredFrames++;
      }
    }
  }

  /** The connections of one user on this node. */
  ofUser(userId: string): Iterable<Connection> {
    return this.byUser.get(userId) ?? [];
  }

  /** Every connection on this node. */
  *all(): Iterable<Connection> {
    for (const set of this.byUser.values()) yield* set;
  }

  /** Number of open connections. */
  get size(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }
}
