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

/** One step of the reader: a result now, one to come (a compressed message), or nothing until the stream has more. */
type Step<T> = IteratorResult<T> | Promise<IteratorResult<T>> | undefined;

const done: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * A gRPC call's request messages, read from its HTTP/2 stream: what connect-es's request pipeline
 * (envelope split, size limit, decompression, parse: four down-levelled async generators, one
 * promise hop each per message) does with its errors, in one object. Whatever arrived is split at
 * once, so many client frames are handled in one turn. Pulled: a call that stops reading stops
 * HTTP/2's window updates. Ending the iteration leaves the stream open for the response, unlike a
 * Readable's own iterator, which destroys it.
 *
 * An iterator object rather than an async generator: a message already read is handed over in the
 * turn it is asked for, and an idle stream's reader waits as one pending promise, not as a suspended
 * generator with its frame (issue 12: what an idle device holds, and what a heartbeat costs). Its
 * three stream listeners stay for the whole call: adding and removing them at every wait took 8 % of
 * the main thread's time per heartbeat frame.
 */
export class GrpcRequestReader<T> implements AsyncIterableIterator<T> {
  private readonly stream: http2.ServerHttp2Stream;
  private readonly reading: GrpcRequestReading<T>;
  private refusal: ConnectError | undefined;
  /** Bytes read and not yet split (from `at` on); undefined when there are none. */
  private buffered: Buffer | undefined;
  private at = 0;
  private finished = false;
  /** The pending `next()` while the stream has nothing more to read. */
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private readonly woken = () => this.onWake();

  constructor(stream: http2.ServerHttp2Stream, reading: GrpcRequestReading<T>) {
    this.stream = stream;
    this.reading = reading;
    this.refusal = reading.refusal;
    stream.on("readable", this.woken);
    stream.on("end", this.woken);
    stream.on("close", this.woken);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.waiting) return Promise.reject(new Error("GrpcRequestReader: next() called while another is pending"));
    const step = this.advance();
    if (step === undefined) return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
    return step instanceof Promise ? step : Promise.resolve(step);
  }

  /** Stops reading (the consumer is done): the stream stays open for the response. */
  return(): Promise<IteratorResult<T>> {
    this.finish();
    return Promise.resolve(done);
  }

  /** The next step; an error (thrown or rejected) ends the reading, as a generator's would. */
  private advance(): Step<T> | Promise<never> {
    try {
      const step = this.step();
      return step instanceof Promise ? step.catch((err: unknown) => this.fail(err)) : step;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fail(err: unknown): Promise<never> {
    this.finish();
    return Promise.reject(err);
  }

  private step(): Step<T> {
    if (this.finished) return done;
    if (this.refusal) throw this.refusal;
    for (;;) {
      const message = this.split();
      if (message) return this.decode(message.flags, message.data);
      const chunk = this.stream.read() as Buffer | null;
      if (chunk === null) {
        if (!this.stream.readableEnded && !this.stream.destroyed) return undefined;
        if (this.buffered) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
        this.finish();
        return done;
      }
      this.buffered = this.buffered ? Buffer.concat([this.buffered.subarray(this.at), chunk]) : chunk;
      this.at = 0;
    }
  }

  /** The next whole envelope of what was read, if any; ResourceExhausted as soon as a header says too large. */
  private split(): { flags: number; data: Buffer } | undefined {
    const buf = this.buffered;
    if (!buf || buf.byteLength - this.at < 5) return undefined;
    const length = buf.readUInt32BE(this.at + 1);
    const { readMaxBytes } = this.reading;
    if (length > readMaxBytes) throw new ConnectError(`message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
    if (buf.byteLength - this.at - 5 < length) return undefined;
    const flags = buf[this.at]!;
    const data = buf.subarray(this.at + 5, this.at + 5 + length);
    this.at += 5 + length;
    if (this.at === buf.byteLength) this.buffered = undefined;
    return { flags, data };
  }

  private decode(flags: number, data: Buffer): Step<T> {
    const { parse, compression, readMaxBytes } = this.reading;
    if (!(flags & 1)) return { done: false, value: parse(data) };
    return envelopeDecompress({ flags, data }, compression, readMaxBytes).then((e) => ({ done: false, value: parse(e.data) }));
  }

  /** The stream has more to read, has ended or has closed: settles the pending `next()`, if any. */
  private onWake(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    const step = this.advance();
    if (step === undefined) this.waiting = waiting;
    else if (step instanceof Promise) step.then(waiting.resolve, waiting.reject);
    else waiting.resolve(step);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.buffered = undefined;
    this.stream.off("readable", this.woken);
    this.stream.off("end", this.woken);
    this.stream.off("close", this.woken);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve(done);
  }
}
