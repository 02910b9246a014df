import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import { type ConnectionCaps, ConnectionGuard, type GuardedConnection } from "./connection-guard.ts";
import { type Deadline, DeadlineQueue } from "../timers/deadline-queue.ts";
import type { RawRequest } from "./raw-request.ts";

/** A request handler both HTTP/1.1 and HTTP/2 servers accept (connectNodeAdapter's is one). */
export type Handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

/**
 * How long each step of a connection may take, and what one address may hold open. Every wait that
 * a client controls has a deadline, so that silent sockets, slowloris headers and stalled streams
 * free their file descriptors.
 */
export interface TransportOptions extends ConnectionCaps {
  /** From accept to the first byte (cleartext) or to the end of the TLS handshake. */
  firstBytesMs: number;
  /** HTTP/1.1: from the first byte to the end of the request headers (Node's `headersTimeout`). */
  headersTimeoutMs: number;
  /**
   * From the start of a request to the end of its body (Node's `requestTimeout` on HTTP/1.1; per
   * stream on HTTP/2). Streams that presented a valid token are exempt: a live stream never ends
   * its body, and the heartbeat timeout watches it instead.
   */
  requestTimeoutMs: number;
  /** HTTP/2: from the session's start to the client's acknowledgement of the server's SETTINGS. */
  settingsAckMs: number;
  /** A connection that has carried no authenticated call after this long is closed. */
  unauthenticatedMs: number;
  /** A connection with no traffic for this long is closed (HTTP/1.1 keep-alive, HTTP/2 session). */
  idleMs: number;
  /** Serve TLS (h2 and HTTP/1.1 by ALPN) instead of cleartext. */
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  /**
   * Serves some HTTP/2 streams itself, before Node's compatibility layer builds a request and a
   * response for the handler (the gRPC fast path); returns whether it took the stream.
   */
  takeStream?: ((stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean) | undefined;
}

/** Defaults that hold against the probes of issue 9 (silent sockets, slowloris, stalled streams). */
export const defaultTransportOptions: TransportOptions = {
  firstBytesMs: 10_000, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, settingsAckMs: 10_000,
  unauthenticatedMs: 60_000, idleMs: 300_000, maxConnectionsPerIp: 1_000, maxUnauthenticatedPerIp: 64,
};

/**
 * One port for every client: gRPC needs HTTP/2, browsers and curl speak HTTP/1.1, and Connect and
 * gRPC-Web work over both. In cleartext, each TCP connection goes to the HTTP/2 server (h2c with
 * prior knowledge) or the HTTP/1.1 server by its first bytes (the HTTP/2 preface starts "PRI "); over
 * TLS, by the protocol the client chose in ALPN.
 */
export function createHttpServer(handler: Handler, options: TransportOptions = defaultTransportOptions): HttpServer {
  const guard = new ConnectionGuard(options);
  const h1 = http.createServer({
    headersTimeout: options.headersTimeoutMs, requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: Math.min(65_000, options.idleMs),
    // Node checks both timeouts on this interval; the default (30 s) would let a slowloris live long past them.
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, options.headersTimeoutMs / 4)),
  }, handler as http.RequestListener);
  // Node starts enforcing headersTimeout/requestTimeout when a server starts listening; this one never
  // listens (sockets are handed to it), so it is told it did.
  h1.emit("listening");
  const h2 = http2.createServer({
    maxSessionMemory: 64,
    // Bounds what one connection can ask for at once (Node's default is unlimited); a device needs one live stream.
    settings: { maxConcurrentStreams: 128 },
  }, handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
  const sessions = new Set<http2.ServerHttp2Session>();
  /** One listener for every session of this server, called on the session that closed. */
  const forgetSession = function (this: http2.ServerHttp2Session) {
    sessions.delete(this);
  };
  const sessionOwner = new WeakMap<http2.ServerHttp2Session, GuardedConnection>();
  const sessionOf = new WeakMap<GuardedConnection, http2.ServerHttp2Session>();
  const socketOwner = new WeakMap<net.Socket, GuardedConnection>();
  let handingOver: GuardedConnection | undefined;

  h2.on("session", (session) => {
    sessions.add(session);
    session.on("close", forgetSession); // 'close' comes once: no once-wrapper per session
    if (handingOver) {
      sessionOwner.set(session, handingOver);
      sessionOf.set(handingOver, session);
    }
    watchSession(session, options, settingsAck);
  });
  h2.on("stream", (stream) => watchBody(stream, requestBody));
  if (options.takeStream) offerStreams(h2, options.takeStream);

  // HTTP/1.1 responses in progress per socket, so that a deadline closes a connection between requests.
  const inProgress = new WeakMap<net.Socket, Set<http.ServerResponse>>();
  // Sockets past their unauthenticated deadline: each response says `Connection: close`, so that the
  // client opens a new connection for its next request instead of racing our close on this one.
  const closing = new WeakSet<net.Socket>();
  h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    // Held here: by the time the response closes, Node may have detached the request from its socket.
    const socket = req.socket;
    let open = inProgress.get(socket);
    if (!open) inProgress.set(socket, (open = new Set()));
    open.add(res);
    if (closing.has(socket)) res.shouldKeepAlive = false;
    res.once("close", () => {
      open.delete(res);
      // A response whose headers went out before the deadline still said keep-alive: end after it.
      if (open.size === 0 && closing.has(socket)) socket.end();
    });
  });
  /** HTTP/1.1 past its deadline: no response keeps the connection alive; an idle one is left to the keep-alive timeout. */
  const closeAfterResponses = (socket: net.Socket) => {
    closing.add(socket);
    for (const res of inProgress.get(socket) ?? []) if (!res.headersSent) res.shouldKeepAlive = false;
  };

  // One sweep per kind of deadline for every connection (deadline-queue.ts), not a timer each.
  const firstBytes = new DeadlineQueue<net.Socket>(options.firstBytesMs, (socket) => socket.destroy());
  // Unauthenticated past its deadline: HTTP/2 gets GOAWAY, HTTP/1.1 `Connection: close`; open calls
  // finish. Never a bare close of an idle keep-alive connection: a client may be sending on it just then.
  const unauthenticated = new DeadlineQueue<net.Socket>(options.unauthenticatedMs, (socket) => {
    const connection = socketOwner.get(socket);
    if (!connection || connection.authenticated || connection.closed) return;
    const session = sessionOf.get(connection);
    if (session) closeSession(session);
    else closeAfterResponses(socket);
  });
  // The client's acknowledgement of our SETTINGS is what Node's `pendingSettingsAck` turns false on.
  const settingsAck = new DeadlineQueue<http2.ServerHttp2Session>(options.settingsAckMs, (session) => {
    if (session.pendingSettingsAck && !session.destroyed) session.destroy();
  });
  // A body past its deadline is cut off unless its connection is authenticated (checked when the
  // deadline comes, since the token is read after the stream opens).
  const requestBody = new DeadlineQueue<http2.ServerHttp2Stream>(options.requestTimeoutMs, (stream) => {
    if (stream.readableEnded || stream.closed || sessionOwner.get(stream.session as http2.ServerHttp2Session)?.authenticated) return;
    stream.close(http2.constants.NGHTTP2_CANCEL);
  });

  const dispatch = (connection: GuardedConnection, socket: net.Socket, useH2: boolean) => {
    socketOwner.set(socket, connection);
    connection.deadlines.push(unauthenticated.add(socket));
    if (useH2) {
      handingOver = connection;
      h2.emit("connection", socket);
      handingOver = undefined;
    } else {
      h1.emit("connection", socket);
      socket.resume();
    }
  };

  const context = options.tls ? tls.createSecureContext({ cert: options.tls.cert, key: options.tls.key }) : undefined;
  const server = net.createServer((socket) => {
    const connection = guard.admit(socket);
    if (!connection) return;
    // A transport error (reset, TLS alert) only ends this connection; the client sees the socket close.
    socket.on("error", destroyOnError);
    // Until the first bytes (or the end of the TLS handshake), nothing else watches the socket. A hard
    // deadline, not an idle timeout, so that trickling handshake bytes does not keep it open.
    const bytesDue = firstBytes.add(socket);
    connection.deadlines.push(bytesDue);
    if (context) {
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: ["h2", "http/1.1"] });
      secure.on("error", destroyOnError);
      secure.once("secure", () => {
        bytesDue.cancel();
        // What tls.Server does before 'secureConnection': the HTTP/2 session waits for a
        // 'secureConnect' (a client-side event) while the socket still says it is connecting, so
        // without this every h2 connection over TLS stalled until the SETTINGS deadline.
        (secure as tls.TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
        dispatch(connection, secure, secure.alpnProtocol === "h2");
      });
      return;
    }
    socket.once("data", (chunk) => {
      bytesDue.cancel();
      socket.pause();
      socket.unshift(chunk);
      // HTTP/2 drains what is buffered itself; HTTP/1.1 reads through 'data' events once resumed.
      dispatch(connection, socket, chunk.subarray(0, 4).toString("latin1") === "PRI ");
    });
  });

  return Object.assign(server, {
    guard,
    authenticate(req: RawRequest): void {
      const owner = "stream" in req ? sessionOwner.get(req.stream.session as http2.ServerHttp2Session) : socketOwner.get(req.socket);
      if (!owner) return;
      guard.authenticate(owner);
      // Authenticated: neither the first-bytes nor the unauthenticated deadline applies any more.
      for (const d of owner.deadlines) d.cancel();
      owner.deadlines.length = 0;
    },
    shutdown(graceMs: number): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close(); // GOAWAY: no new streams, open ones finish
      h1.closeIdleConnections();
      const force = setTimeout(() => {
        for (const session of sessions) session.destroy();
        h1.closeAllConnections();
      }, graceMs);
      return closed.finally(() => {
        clearTimeout(force);
        h1.close();
      });
    },
  });
}

/**
 * Lets `take` serve a new stream before the handler's compatibility layer does. Node adds that layer
 * as the server's first 'stream' listener (when a request handler is given); it is moved behind
 * `take`, and only sees the streams `take` leaves. The other listeners (deadlines) see every stream.
 */
function offerStreams(h2: http2.Http2Server, take: NonNullable<TransportOptions["takeStream"]>): void {
  const [compat, ...others] = h2.listeners("stream") as ((...args: unknown[]) => void)[];
  if (!compat) throw new Error("the HTTP/2 server has no request handler to stand beside");
  h2.removeAllListeners("stream");
  h2.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, ...rest: unknown[]) => {
    if (!take(stream, headers)) compat.call(h2, stream, headers, ...rest);
  });
  for (const listener of others) h2.on("stream", listener);
}

/** An HTTP/2 session must acknowledge our SETTINGS in time, and is closed after `idleMs` of silence. */
function watchSession(session: http2.ServerHttp2Session, options: TransportOptions, settingsAck: DeadlineQueue<http2.ServerHttp2Session>): void {
  // Left to expire: it does nothing once the ack came (at once, from any client that speaks HTTP/2),
  // and holds the session at most `settingsAckMs` after it closes.
  settingsAck.add(session);
  // The listener apart: with it as setTimeout's callback Node wraps it in a `once` closure per session.
  // A session's idle timeout ends it (closeSession), so that 'timeout' is heard once either way.
  session.setTimeout(options.idleMs);
  session.on("timeout", closeIdleSession);
}

/** The idle timeout's listener: one function for every session, called on it. */
function closeIdleSession(this: http2.ServerHttp2Session): void {
  closeSession(this);
}

/** A socket's 'error' listener: a transport error (reset, TLS alert) only ends that connection. */
function destroyOnError(this: net.Socket): void {
  this.destroy();
}

/** Sends GOAWAY so the client opens no new stream here, and destroys the session if its streams outlive the grace. */
function closeSession(session: http2.ServerHttp2Session): void {
  session.close();
  setTimeout(() => session.destroy(), 2_000).unref();
}

/** Each HTTP/2 stream's deadline for the end of its request body (see requestBody in createHttpServer). */
const bodyDeadlines = new WeakMap<http2.ServerHttp2Stream, Deadline<http2.ServerHttp2Stream>>();

/** An HTTP/2 request's body must end within `requestTimeoutMs` unless its connection is authenticated. */
function watchBody(stream: http2.ServerHttp2Stream, requestBody: DeadlineQueue<http2.ServerHttp2Stream>): void {
  if (stream.readableEnded) return;
  bodyDeadlines.set(stream, requestBody.add(stream));
  // Shared listeners, no closure per stream; cancelling lets go of the stream before its deadline.
  stream.on("end", cancelBodyDeadline);
  stream.on("close", cancelBodyDeadline);
}

/** Called on a stream whose body ended or which closed. */
function cancelBodyDeadline(this: http2.ServerHttp2Stream): void {
  bodyDeadlines.get(this)?.cancel();
}

/** A listening server that can be shut down without waiting for clients to hang up. */
export interface HttpServer extends net.Server {
  /** Per-address connection counts. */
  readonly guard: ConnectionGuard;
  /** Marks the connection under a request as authenticated (lifting its deadlines and its cap). */
  authenticate(req: RawRequest): void;
  /**
   * Stops accepting connections, asks HTTP/2 clients to go away once their streams end, and destroys
   * whatever connection is still open after `graceMs`.
   */
  shutdown(graceMs: number): Promise<void>;
}
