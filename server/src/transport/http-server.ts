import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

/** A request handler both HTTP/1.1 and HTTP/2 servers accept (connectNodeAdapter's is one). */
export type Handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

/**
 * One cleartext port for every client: gRPC needs HTTP/2 (h2c with prior knowledge), browsers and
 * curl speak HTTP/1.1, and Connect and gRPC-Web work over both. Each TCP connection is handed to the
 * HTTP/2 or the HTTP/1.1 server by its first bytes (the HTTP/2 connection preface starts "PRI ").
 */
export function createHttpServer(handler: Handler): HttpServer {
  const h1 = http.createServer(handler as http.RequestListener);
  h1.keepAliveTimeout = 65_000;
  const h2 = http2.createServer({ maxSessionMemory: 64 }, handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("data", (chunk) => {
      socket.pause();
      socket.unshift(chunk);
      // HTTP/2 drains what is buffered itself; HTTP/1.1 reads through 'data' events once resumed.
      if (chunk.subarray(0, 4).toString("latin1") === "PRI ") {
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    });
    socket.on("error", () => socket.destroy());
  });
  return Object.assign(server, {
    shutdown(graceMs: number): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close(); // GOAWAY: no new streams, open ones finish
      h1.closeIdleConnections();
      const force = setTimeout(() => { for (const socket of sockets) socket.destroy(); }, graceMs);
      return closed.finally(() => clearTimeout(force));
    },
  });
}

/** A listening server that can be shut down without waiting for clients to hang up. */
export interface HttpServer extends net.Server {
  /**
   * Stops accepting connections, asks HTTP/2 clients to go away once their streams end, and destroys
   * whatever connection is still open after `graceMs`.
   */
  shutdown(graceMs: number): Promise<void>;
}
