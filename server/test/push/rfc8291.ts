import { createDecipheriv, type ECDH, hkdfSync } from "node:crypto";

/**
 * Decrypts a Web Push message body as a browser does: RFC 8291 (Message Encryption for Web Push) over
 * RFC 8188's `aes128gcm` content coding, written here on node:crypto from the RFCs alone so that it
 * checks the `web-push` library rather than repeating it. `subscriber` holds the subscription's private
 * key (its public key is the `p256dh` the server encrypted to); `authSecret` is the `auth` secret.
 * Throws with the reason when the body is not what a browser would accept.
 */
export function decryptWebPush(body: Buffer, subscriber: ECDH, authSecret: Buffer): Buffer {
  // RFC 8188 §2.1 header: salt (16) | rs (uint32) | idlen (uint8) | keyid (idlen).
  if (body.length < 21) throw new Error("body shorter than the aes128gcm header");
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20]!;
  // RFC 8291 §4: the keyid is the sender's ephemeral public key, an uncompressed P-256 point.
  if (idLength !== 65) throw new Error(`keyid is ${idLength} bytes; RFC 8291 requires the 65-byte sender public key`);
  if (recordSize < 18) throw new Error(`record size ${recordSize} is below the minimum of 18`);
  const senderPublic = body.subarray(21, 86);
  const ciphertext = body.subarray(86);

  // RFC 8291 §3.3-3.4: IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" || 0 || ua_public || as_public, 32).
  const ecdhSecret = subscriber.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), subscriber.getPublicKey(), senderPublic]);
  const ikm = Buffer.from(hkdfSync("sha256", ecdhSecret, authSecret, keyInfo, 32));
  // RFC 8188 §2.2-2.3: CEK and base nonce from HKDF(salt, IKM).
  const cek = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const baseNonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));

  const plaintext: Buffer[] = [];
  const records = Math.ceil(ciphertext.length / recordSize);
  if (records === 0) throw new Error("no records");
  for (let i = 0; i < records; i++) {
    const record = ciphertext.subarray(i * recordSize, (i + 1) * recordSize);
    if (record.length < 17) throw new Error(`record ${i} is too short for a tag and a delimiter`);
    const decipher = createDecipheriv("aes-128-gcm", cek, recordNonce(baseNonce, i));
    decipher.setAuthTag(record.subarray(record.length - 16));
    let padded: Buffer;
    try {
      padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    } catch (err) {
      throw new Error(`record ${i} does not decrypt (wrong keys or tampered): ${(err as Error).message}`);
    }
    plaintext.push(unpad(padded, i === records - 1));
  }
  return Buffer.concat(plaintext);
}

/** RFC 8188 §2.3: the base nonce XOR the record sequence number (96-bit big-endian; a body has < 2^32 records). */
function recordNonce(base: Buffer, seq: number): Buffer {
  const nonce = Buffer.from(base);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
  return nonce;
}

/** RFC 8188 §2: data, then a delimiter (2 in the last record, 1 before), then zero padding. */
function unpad(padded: Buffer, last: boolean): Buffer {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0) throw new Error("record has no delimiter");
  const expected = last ? 2 : 1;
  if (padded[end] !== expected) throw new Error(`record delimiter is ${padded[end]}, expected ${expected}`);
  return padded.subarray(0, end);
}
