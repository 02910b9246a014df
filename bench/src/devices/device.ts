/** A conversation and the last seq a device holds in it. */
export interface DeviceCursor {
  conversationId: string;
  seq: number;
}

/**
 * What a device reports to its load agent. Plain callbacks rather than events: an agent drives
 * thousands of devices and hundreds of thousands of frames a second.
 */
export interface DeviceHandlers {
  /** The server acknowledged one of this device's sends. */
  ack(clientMessageId: string): void;
  /** A message reached this device; `own` when this device's user sent it (the echo to the sender). */
  message(conversationId: string, seq: number, text: string, own: boolean): void;
  /** A send was refused, or the connection failed or ended unexpectedly. */
  error(kind: "frame" | "stream", message: string): void;
}

/**
 * One simulated device with its own connection to the system under test. Implementations exist for
 * the chat server (gRPC bidirectional stream) and for the Socket.IO peer.
 */
export interface Device {
  /** Opens the connection; resolves once the server has greeted it (Ready, or a Socket.IO connect). */
  connect(): Promise<void>;
  /**
   * Asks for everything after the cursors; resolves once the server says the replay is complete,
   * with the highest seq per conversation. Systems without history resolve at once with the cursors.
   */
  resume(cursors: readonly DeviceCursor[]): Promise<DeviceCursor[]>;
  /** Sends a message; the ACK comes through {@link DeviceHandlers.ack}. */
  send(conversationId: string, clientMessageId: string, text: string): void;
  /** Keeps the connection alive (the chat server drops streams that stop heartbeating). */
  heartbeat(): void;
  /** Heartbeats sent so far. */
  readonly heartbeats: number;
  /** Closes the connection and its socket. */
  close(): void;
}

/** Where and as whom a device connects. */
export interface DeviceAccount {
  userId: string;
  /** Bearer token (chat server); unused by the peer. */
  token: string;
  /** Conversations the device belongs to (the peer joins their rooms on connect). */
  conversationIds: string[];
}
