import type http2 from "node:http2";
import { type Compression, envelopeCompress } from "@connectrpc/connect/protocol";

/** The gRPC message prefix: a flags byte and a 4-byte big-endian length. */
export const envelopePrefixBytes = 5;

/**
 * Writes a gRPC call's response on its HTTP/2 stream: the headers with the first message, each
 * message behind its 5-byte prefix, and the status trailers at the end (or headers and trailers
 * alone when no message went out, as connect-node answers a call that fails before its first).
 *
 * All messages written in one event-loop turn go out in one write: the stream is corked at the
 * first and uncorked once the turn's promise jobs have run, so that a fan-out reaching a stream with
 * several frames, or a batch of batches, costs one trip into nghttp2 instead of one each.
 */
export class GrpcResponseWriter {
  private headersSent = false;
  private corked = false;
  private readonly stream: http2.ServerHttp2Stream;
  private readonly header: Headers;
  private readonly compression: Compression | null;
  private readonly compressMinBytes: number;

  /**
   * @param header the response headers, read when the first message or the trailers go out
   * @param compression what response messages of at least `compressMinBytes` are compressed with
   */
  constructor(stream: http2.ServerHttp2Stream, header: Headers, compression: Compression | null, compressMinBytes: number) {
    this.stream = stream;
    this.header = header;
    this.compression = compression;
    this.compressMinBytes = compressMinBytes;
  }

  /** Whether the client may still receive anything on this stream. */
  get open(): boolean {
    return !this.stream.destroyed && !this.stream.closed && this.stream.writable;
  }

  /**
   * Writes one response message: `envelope` holds {@link envelopePrefixBytes} free bytes and then the
   * encoded message (the prefix is filled in here). Returns a promise when the next may not be written
   * yet: the stream's buffer is full (it resolves when the buffer drains or the stream closes), or the
   * message is being compressed; else nothing, so that a stream's usual write costs no promise.
   */
  write(envelope: Uint8Array): Promise<void> | undefined {
    if (!this.open) return undefined;
    if (this.compression && envelope.byteLength - envelopePrefixBytes >= this.compressMinBytes) return this.writeCompressed(envelope, this.compression);
    return this.writeEnveloped(envelope, 0);
  }

  private async writeCompressed(envelope: Uint8Array, compression: Compression): Promise<void> {
    const compressed = await envelopeCompress({ flags: 0, data: envelope.subarray(envelopePrefixBytes) }, compression, this.compressMinBytes);
    if (!this.open) return;
    const bytes = new Uint8Array(envelopePrefixBytes + compressed.data.byteLength);
    bytes.set(compressed.data, envelopePrefixBytes);
    await this.writeEnveloped(bytes, compressed.flags);
  }

  /** Fills in the prefix and writes, corked until the end of the turn. */
  private writeEnveloped(bytes: Uint8Array, flags: number): Promise<void> | undefined {
    const length = bytes.byteLength - envelopePrefixBytes;
    bytes[0] = flags;
    bytes[1] = length >>> 24;
    bytes[2] = (length >>> 16) & 0xff;
    bytes[3] = (length >>> 8) & 0xff;
    bytes[4] = length & 0xff;
    this.respond();
    if (!this.corked) {
      this.corked = true;
      this.stream.cork();
      process.nextTick(uncork, this); // no closure per stream and turn
    }
    this.stream.write(bytes);
    return this.stream.writableNeedDrain ? this.drained() : undefined;
  }

  /** Ends the response with `trailer` (grpc-status and the rest); nothing when the client is gone. */
  end(trailer: Headers): void {
    if (!this.open) return;
    this.respond();
    this.stream.once("wantTrailers", () => {
      if (!this.stream.destroyed) this.stream.sendTrailers(nodeHeaders(trailer));
    });
    this.stream.end();
  }

  /** Writes out what the turn's sends queued (called once per corked turn). */
  uncorkTurn(): void {
    this.corked = false;
    this.stream.uncork();
  }

  private respond(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    // As Http2ServerResponse does: trailers always follow, so the last DATA frame does not end the stream.
    this.stream.respond({ ":status": 200, ...nodeHeaders(this.header) }, { waitForTrailers: true });
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off("drain", done);
        this.stream.off("close", done);
        resolve();
      };
      this.stream.on("drain", done);
      this.stream.on("close", done);
    });
  }
}

/** Ends the turn's cork of a writer (see writeEnveloped). */
function uncork(writer: GrpcResponseWriter): void {
  writer.uncorkTurn();
}

/** Web headers as Node's HTTP/2 API takes them. */
function nodeHeaders(headers: Headers): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}
