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
export function createHttpServer(handler: Handler): net.Server {
  const h1 = http.createServer(handler as http.RequestListener);
  h1.keepAliveTimeout = 65_000;
  const h2 = http2.createServer({ maxSessionMemory: 64 }, handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
  const server = net.createServer((socket) => {
    socket.once("data", (chunk) => {
      socket.pause();
      socket.unshift(chunk);
      const isHttp2 = chunk.subarray(0, 4).toString("latin1") === "PRI ";
      (isHttp2 ? h2 : h1).emit("connection", socket);
      socket.resume();
    });
    socket.on("error", () => socket.destroy());
  });
  server.on("close", () => {
    h1.closeAllConnections();
    h2.close();
  });
  return server;
}
