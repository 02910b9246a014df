import type { IncomingHttpHeaders } from "node:http";

/** What this needs of a Node request (HTTP/1.1 or HTTP/2). */
interface Request {
  method?: string | undefined;
  url?: string | undefined;
  headers: IncomingHttpHeaders;
}

/** What this needs of a Node response (HTTP/1.1 or HTTP/2). */
interface Response {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: Uint8Array | string): unknown;
}

/** Sets the status and headers of a response. */
function head(res: Response, status: number, headers: Record<string, string>): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

/**
 * Answers a call to a service or method this server does not have, the way the caller's protocol
 * says, so that every client reports UNIMPLEMENTED (a plain HTTP 404 reads as INTERNAL to grpc-go
 * and grpcurl, and makes them give up instead of trying another reflection version):
 * - gRPC and gRPC-Web: HTTP 200 and a trailers-only response with `grpc-status: 12`;
 * - Connect streaming (`application/connect+…`): HTTP 200 and an end-of-stream message with the error;
 * - Connect unary (POST `application/json` or `application/proto`, or GET `?connect=v1`): HTTP 404
 *   and the JSON error body `{"code":"unimplemented"}`, as the Connect protocol maps that code.
 *
 * Returns false, answering nothing, when the request is no RPC at all (a browser's GET /favicon.ico).
 */
export function answerUnimplemented(req: Request, res: Response): boolean {
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  const path = (req.url ?? "").split("?")[0];
  const message = `unknown method ${path}: this server has no such service or method (grpcurl list shows what it has)`;
  if (/^application\/grpc(-web(-text)?)?([+;]|$)/.test(type)) {
    head(res, 200, { "content-type": type.split(";")[0]!, "grpc-status": "12", "grpc-message": encodeURIComponent(message) });
    res.end();
    return true;
  }
  const error = { code: "unimplemented", message };
  if (/^application\/connect\+/.test(type)) {
    const body = Buffer.from(JSON.stringify({ error }));
    const prefix = Buffer.alloc(5);
    prefix.writeUInt8(0b10, 0); // end-of-stream flag
    prefix.writeUInt32BE(body.length, 1);
    head(res, 200, { "content-type": type });
    res.end(Buffer.concat([prefix, body]));
    return true;
  }
  const connectGet = req.method === "GET" && /[?&]connect=v1(&|$)/.test(req.url ?? "");
  if ((req.method === "POST" && /^application\/(json|proto)(;|$)/.test(type)) || connectGet) {
    head(res, 404, { "content-type": "application/json" });
    res.end(JSON.stringify(error));
    return true;
  }
  return false;
}
