import { Code, ConnectError } from "@connectrpc/connect";
import { answerError, type BareRequest, type BareResponse } from "./error-response.ts";

/**
 * Answers a call to a service or method this server does not have, the way the caller's protocol
 * says, so that every client reports UNIMPLEMENTED (a plain HTTP 404 reads as INTERNAL to grpc-go
 * and grpcurl, and makes them give up instead of trying another reflection version): gRPC and
 * gRPC-Web get a trailers-only `grpc-status: 12`, Connect an end-of-stream error or HTTP 404 with
 * `{"code":"unimplemented"}` (see {@link answerError}).
 *
 * Returns false, answering nothing, when the request is no RPC at all (a browser's GET /favicon.ico).
 */
export function answerUnimplemented(req: BareRequest, res: BareResponse): boolean {
  const path = (req.url ?? "").split("?")[0];
  const message = `unknown method ${path}: this server has no such service or method (grpcurl list shows what it has)`;
  // 404, not the 501 Connect gives the code: the path names nothing here, as for any HTTP client.
  return answerError(req, res, new ConnectError(message, Code.Unimplemented), 404);
}
