/**
 * The control plane: commands every node of a cluster must hear, whichever node issues them, as
 * centrifuge's Node does with its control channel. Anything that must reach a device (or a cache)
 * wherever it lives goes through here: closing a revoked device's streams, dropping a conversation's
 * cached members after a change, and a browser's unary heartbeat for a stream held by another node.
 *
 * `memory/` connects the nodes of one process; `redis/` uses one pub/sub channel for the cluster.
 * Both pass `contract.spec.ts`. Every node, the publisher included, gets every command.
 *
 * Delivery is at most once: a node that is disconnected from Redis while a command is published
 * misses it. Each command is therefore backed by something that converges without it: a revoked
 * token fails its next authentication, cached members expire after a short TTL, and a stream whose
 * heartbeats were missed is reopened by its client.
 */
export interface ControlPlane {
  /** Sends a command to every subscribed node, this one included. */
  publish(command: ControlCommand): Promise<void>;
  /** Starts receiving commands on behalf of a node. One handler per node id. */
  subscribe(nodeId: string, handler: ControlHandler): Promise<void>;
  /** Stops receiving and releases connections. */
  close(): Promise<void>;
}

/** What a node may ask of every node. */
export type ControlCommand =
  /** Close the streams of one device, or of every device of a user when `deviceId` is empty. */
  | { kind: "disconnect"; userId: string; deviceId: string; reason: string }
  /** A conversation's members changed: drop cached members, and stop streaming it to `removedUserIds`. */
  | { kind: "membership"; conversationId: string; removedUserIds: string[] }
  /** A device proved it is alive through a unary call: keep its streams open wherever they are. */
  | { kind: "heartbeat"; userId: string; deviceId: string };

/** Receives the commands published to the cluster. */
export type ControlHandler = (command: ControlCommand) => void;
