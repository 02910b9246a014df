/**
 * Builds the bytes of an internal payload (nodes to nodes over Redis): unsigned 32-bit big-endian
 * numbers, doubles, and length-prefixed UTF-8 strings, gathered in one buffer at the end.
 */
export class FrameWriter {
  private readonly parts: Buffer[] = [];

  /** An unsigned byte. */
  u8(n: number): this {
    this.parts.push(Buffer.of(n));
    return this;
  }

  /** An unsigned 32-bit number, big-endian. */
  u32(n: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(n, 0);
    this.parts.push(b);
    return this;
  }

  /** A double (seqs and times: exact for every integer below 2^53). */
  f64(n: number): this {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(n, 0);
    this.parts.push(b);
    return this;
  }

  /** Bytes as they are, without a length (fixed-size fields). */
  raw(bytes: Uint8Array): this {
    this.parts.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return this;
  }

  /** Length-prefixed bytes. */
  bytes(bytes: Uint8Array): this {
    return this.u32(bytes.byteLength).raw(bytes);
  }

  /** A length-prefixed UTF-8 string. */
  str(s: string): this {
    return this.bytes(Buffer.from(s, "utf8"));
  }

  /** The payload. */
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/**
 * Reads what a {@link FrameWriter} wrote, field by field; throws on a payload cut short, so that a
 * malformed payload is refused whole (the caller checks {@link FrameReader.end} for trailing bytes).
 */
export class FrameReader {
  private readonly buf: Buffer;
  private at = 0;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The next `n` bytes, as a view. */
  take(n: number): Buffer {
    if (this.at + n > this.buf.length) throw new Error(`payload truncated at byte ${this.at} of ${this.buf.length}`);
    this.at += n;
    return this.buf.subarray(this.at - n, this.at);
  }

  /** An unsigned byte. */
  u8(): number {
    return this.take(1)[0]!;
  }

  /** An unsigned 32-bit number. */
  u32(): number {
    return this.take(4).readUInt32BE(0);
  }

  /** A double. */
  f64(): number {
    return this.take(8).readDoubleBE(0);
  }

  /** Length-prefixed bytes, as a view. */
  bytes(): Buffer {
    return this.take(this.u32());
  }

  /** A length-prefixed UTF-8 string. */
  str(): string {
    return this.bytes().toString("utf8");
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.at !== this.buf.length) throw new Error(`payload has ${this.buf.length - this.at} bytes past its end`);
  }
}
