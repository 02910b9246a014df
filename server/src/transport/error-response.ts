import type { IncomingHttpHeaders } from "node:http";
import type { ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus, endStreamFlag, endStreamToJson, errorToJson } from "@connectrpc/connect/protocol-connect";

/** What this needs of a Node request (HTTP/1.1 or HTTP/2). */
export interface BareRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: IncomingHttpHeaders;
}

/** What this needs of a Node response (HTTP/1.1 or HTTP/2). */
export interface BareResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: Uint8Array | string): unknown;
}

/**
 * Answers an RPC with `error` without the router, the way the caller's protocol says (for answers
 * given before connect-es builds a call: an unknown method, a refusal by address):
 * - gRPC and gRPC-Web: HTTP 200 and a trailers-only response, `grpc-status` and `grpc-message` and the
 *   error's metadata as headers;
 * - Connect streaming (`application/connect+…`): HTTP 200 and an end-of-stream message with the
 *   error and its metadata;
 * - Connect unary (POST `application/json` or `application/proto`, or GET `?connect=v1`): the HTTP
 *   status the Connect protocol gives the code (429 for resource_exhausted) unless `connectStatus`
 *   says otherwise, the metadata as headers, and the JSON error body.
 *
 * Returns false, answering nothing, when the request is no RPC at all (a browser's GET /favicon.ico).
 */
export function answerError(req: BareRequest, res: BareResponse, error: ConnectError, connectStatus = codeToHttpStatus(error.code)): boolean {
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  const metadata = Object.fromEntries(error.metadata);
  if (/^application\/grpc(-web(-text)?)?([+;]|$)/.test(type)) {
    head(res, 200, { ...metadata, "content-type": type.split(";")[0]!, "grpc-status": String(error.code), "grpc-message": encodeURIComponent(error.rawMessage) });
    res.end();
    return true;
  }
  if (/^application\/connect\+/.test(type)) {
    const body = Buffer.from(JSON.stringify(endStreamToJson(error.metadata, error, undefined)));
    const prefix = Buffer.alloc(5);
    prefix.writeUInt8(endStreamFlag, 0);
    prefix.writeUInt32BE(body.length, 1);
    head(res, 200, { "content-type": type });
    res.end(Buffer.concat([prefix, body]));
    return true;
  }
  const connectGet = req.method === "GET" && /[?&]connect=v1(&|$)/.test(req.url ?? "");
  if ((req.method === "POST" && /^application\/(json|proto)(;|$)/.test(type)) || connectGet) {
    head(res, connectStatus, { ...metadata, "content-type": "application/json" });
    res.end(JSON.stringify(errorToJson(error, undefined)));
    return true;
  }
  return false;
}

/** Sets the status and headers of a response. */
function head(res: BareResponse, status: number, headers: Record<string, string>): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

