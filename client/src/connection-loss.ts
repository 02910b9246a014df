import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Reports a stream reset by something between the client and the server as what it is: the
 * connection was lost (`Unavailable`), not a server failure. A proxy whose upstream node dies can only
 * reset the client's HTTP/2 stream (nginx sends RST_STREAM INTERNAL_ERROR), and gRPC's HTTP/2 mapping,
 * which connect follows, calls that `Internal`, the code of a server bug. An `Internal` the server sent
 * itself (grpc-status 13) carries no reset and is left alone.
 */
export function asConnectionLoss(error: ConnectError): ConnectError {
  if (error.code !== Code.Internal || !wasStreamReset(error)) return error;
  return new ConnectError(`lost the connection to the server (${error.rawMessage})`, Code.Unavailable, error.metadata, undefined, error);
}

function wasStreamReset(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === "ERR_HTTP2_STREAM_ERROR") return true;
    if (/stream closed with error code/i.test(e.message)) return true;
  }
  return false;
}
