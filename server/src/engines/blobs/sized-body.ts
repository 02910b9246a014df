import { Readable } from "node:stream";

/**
 * A put's body as a stream that fails unless it carries exactly `size` bytes: too long fails as soon
 * as it is, too short at its end, so that the store aborts the write instead of keeping a wrong blob.
 */
export function sizedBody(key: string, body: Readable | Uint8Array, size: number): Readable {
  if (body instanceof Uint8Array) {
    if (body.length !== size) throw new Error(`blob ${key}: body of ${body.length} bytes, expected ${size}`);
    return Readable.from([body]);
  }
  return Readable.from((async function* () {
    let seen = 0;
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      seen += chunk.length;
      if (seen > size) throw new Error(`blob ${key}: body longer than ${size} bytes`);
      yield chunk;
    }
    if (seen !== size) throw new Error(`blob ${key}: body of ${seen} bytes, expected ${size}`);
  })(), { objectMode: false });
}
