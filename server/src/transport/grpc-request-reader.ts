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
  const waker = new StreamWaker(stream);
  let pending: Buffer | undefined;
  try {
    for (;;) {
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) {
        if (stream.readableEnded || stream.destroyed) break;
        await waker.next();
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
  } finally {
    waker.detach();
  }
  if (pending) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
}

/**
 * Wakes a reader when its stream has more to read, has ended, or has closed. Its three listeners
 * stay on the stream for the whole call: adding and removing them at every wait took 8 % of the main
 * thread's time per heartbeat frame (issue 12's heartbeat profile), and an idle stream held the same
 * three while it waited.
 */
class StreamWaker {
  private readonly stream: http2.ServerHttp2Stream;
  private wake: (() => void) | undefined;
  private readonly woken = () => {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  };

  constructor(stream: http2.ServerHttp2Stream) {
    this.stream = stream;
    stream.on("readable", this.woken);
    stream.on("end", this.woken);
    stream.on("close", this.woken);
  }

  /** Resolves at the stream's next event (see the class). */
  next(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** Takes the listeners off: the call has stopped reading. */
  detach(): void {
    this.stream.off("readable", this.woken);
    this.stream.off("end", this.woken);
    this.stream.off("close", this.woken);
  }
}
