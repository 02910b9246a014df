import type http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { type Compression, envelopeDecompress } from "@connectrpc/connect/protocol";

/** How a call's request messages are read. */
export interface GrpcRequestReading<T> {
  /** Larger messages end the call with ResourceExhausted (before their bytes are buffered). */
  readMaxBytes: number;
  /** What compressed messages are decompressed with (the negotiated `grpc-encoding`); none refuses them. */
  compression: Compression | null;
  /** Decodes one message (connect-es's serialization, whose errors are its own). */
  parse(data: Uint8Array): T;
  /** An error the first read throws instead (a refused `grpc-encoding` or `grpc-timeout`), as connect-es does. */
  refusal: ConnectError | undefined;
}

/**
 * A gRPC call's request messages, read from its HTTP/2 stream: what connect-es's request pipeline
 * (envelope split, size limit, decompression, parse: four down-levelled async generators, one
 * promise hop each per message) does with its errors, in one generator. Whatever arrived is split at
 * once, so many client frames are handled in one turn. Pulled: a call that stops reading stops
 * HTTP/2's window updates. Ending the iteration leaves the stream open for the response, unlike a
 * Readable's own iterator, which destroys it.
 */
export async function* readGrpcRequests<T>(stream: http2.ServerHttp2Stream, reading: GrpcRequestReading<T>): AsyncGenerator<T> {
  if (reading.refusal) throw reading.refusal;
  const { readMaxBytes, compression, parse } = reading;
  let pending: Buffer | undefined;
  for (;;) {
    const chunk = stream.read() as Buffer | null;
    if (chunk === null) {
      if (stream.readableEnded || stream.destroyed) break;
      await readable(stream);
      continue;
    }
    const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    while (buf.byteLength - at >= 5) {
      const length = buf.readUInt32BE(at + 1);
      if (length > readMaxBytes) throw new ConnectError(`message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
      if (buf.byteLength - at - 5 < length) break;
      const flags = buf[at]!;
      const data = buf.subarray(at + 5, at + 5 + length);
      at += 5 + length;
      yield parse(flags & 1 ? (await envelopeDecompress({ flags, data }, compression, readMaxBytes)).data : data);
    }
    pending = at < buf.byteLength ? buf.subarray(at) : undefined;
  }
  if (pending) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
}

/** Resolves when the stream has more to read, has ended, or has closed. */
function readable(stream: http2.ServerHttp2Stream): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      stream.off("readable", wake);
      stream.off("end", wake);
      stream.off("close", wake);
      resolve();
    };
    stream.on("readable", wake);
    stream.on("end", wake);
    stream.on("close", wake);
  });
}
