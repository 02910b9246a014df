import type net from "node:net";

/** Per-address caps on what one client may hold open. 0 turns a cap off. */
export interface ConnectionCaps {
  /** Open connections from one IP address. */
  maxConnectionsPerIp: number;
  /** Open connections from one IP address that have not yet carried an authenticated call. */
  maxUnauthenticatedPerIp: number;
}

/** One accepted TCP connection as the guard sees it. */
export interface GuardedConnection {
  readonly ip: string;
  readonly socket: net.Socket;
  /** True once a call on it presented a valid token. */
  authenticated: boolean;
  /** True once the socket has closed and stopped counting. */
  closed: boolean;
  /** Deadlines of the connection's first steps, cancelled when it closes (or once they no longer apply). */
  readonly deadlines: { cancel(): void }[];
}

/**
 * Counts open connections per client address, so that one address cannot take every file
 * descriptor of the process (the 1,100 silent sockets under `ulimit -n 1024`). The maps hold
 * only addresses with an open connection, so they are bounded by the number of open sockets.
 */
export class ConnectionGuard {
  private readonly caps: ConnectionCaps;
  private readonly open = new Map<string, number>();
  private readonly unauthenticated = new Map<string, number>();
  /** Connections refused since start, for the metrics and the tests. */
  refused = 0;

  constructor(caps: ConnectionCaps) {
    this.caps = caps;
  }

  /**
   * Admits a new socket, or destroys it and returns undefined when its address is over a cap. An
   * admitted connection counts as unauthenticated until {@link authenticate}, and stops counting when
   * the socket closes.
   */
  admit(socket: net.Socket): GuardedConnection | undefined {
    const ip = socket.remoteAddress ?? "unknown";
    const { maxConnectionsPerIp, maxUnauthenticatedPerIp } = this.caps;
    if ((maxConnectionsPerIp > 0 && (this.open.get(ip) ?? 0) >= maxConnectionsPerIp) ||
      (maxUnauthenticatedPerIp > 0 && (this.unauthenticated.get(ip) ?? 0) >= maxUnauthenticatedPerIp)) {
      this.refused++;
      socket.destroy();
      return undefined;
    }
    const connection: GuardedConnection = { ip, socket, authenticated: false, closed: false, deadlines: [] };
    increment(this.open, ip, 1);
    increment(this.unauthenticated, ip, 1);
    guardOf.set(socket, [this, connection]);
    socket.on("close", releaseOnClose); // 'close' comes once: no once-wrapper, and one function for every socket
    return connection;
  }

  /** The socket of `connection` closed: it stops counting, and its deadlines are cancelled. */
  release(connection: GuardedConnection): void {
    connection.closed = true;
    increment(this.open, connection.ip, -1);
    if (!connection.authenticated) increment(this.unauthenticated, connection.ip, -1);
    for (const deadline of connection.deadlines) deadline.cancel();
  }

  /** Marks a connection as carrying a valid token: it no longer counts against the unauthenticated cap. */
  authenticate(connection: GuardedConnection): void {
    if (connection.authenticated || connection.closed) return;
    connection.authenticated = true;
    increment(this.unauthenticated, connection.ip, -1);
  }

  /** Open connections from `ip` (for tests and metrics). */
  openFrom(ip: string): number {
    return this.open.get(ip) ?? 0;
  }
}

/**
 * The guard and connection of each admitted socket, for its 'close' listener: one function for every
 * socket instead of a closure (and Node's once-wrapper) that each open connection kept (issue 12).
 */
const guardOf = new WeakMap<net.Socket, [ConnectionGuard, GuardedConnection]>();

function releaseOnClose(this: net.Socket): void {
  const owner = guardOf.get(this);
  if (!owner) return;
  guardOf.delete(this);
  owner[0].release(owner[1]);
}

function increment(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}
