import { type DescField, type DescMessage, type DescMethod, ScalarType, toBinary, toJsonString } from "@bufbuild/protobuf";
import { type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import fc from "fast-check";
import { type WireProtocol, envelope } from "./raw-rpc.ts";

/** Ids and names that exist on the node under test, so generated frames reach past validation. */
export interface KnownValues {
  userId: string;
  username: string;
  conversationId: string;
}

/** A generated request: which RPC, how it is encoded, and the bytes of each message. */
export interface FuzzCall {
  method: DescMethod;
  protocol: WireProtocol;
  messages: Uint8Array[];
  /** The whole body as sent, when the generator damaged the envelopes themselves. */
  rawBody?: Uint8Array;
  /** Whether the call carries the user's valid token. */
  authenticated: boolean;
  /** What the generator did, for the counterexample fast-check prints. */
  shape: string;
}

/** Strings worth trying: real ids, near misses, empty, huge, odd Unicode. */
function strings(known: KnownValues): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(known.userId, known.conversationId, known.username, `@${known.username}`, "", " ", crypto.randomUUID(),
      "00000000-0000-0000-0000-000000000000", "x".repeat(70_000), "\u0000", "\u202e", "💬", "correct horse battery"),
    fc.string({ maxLength: 40 }),
  );
}

/** A value of one scalar type (int64 and friends are bigint in protobuf-es). */
function scalar(type: ScalarType, known: KnownValues): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING: return strings(known);
    case ScalarType.BYTES: return fc.uint8Array({ maxLength: 64 });
    case ScalarType.BOOL: return fc.boolean();
    case ScalarType.DOUBLE: case ScalarType.FLOAT: return fc.double({ noNaN: false });
    case ScalarType.INT64: case ScalarType.SINT64: case ScalarType.SFIXED64:
      return fc.oneof(fc.constantFrom(0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n)), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
    case ScalarType.UINT64: case ScalarType.FIXED64:
      return fc.oneof(fc.constantFrom(0n, 1n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
    case ScalarType.UINT32: case ScalarType.FIXED32: return fc.oneof(fc.constantFrom(0, 1, 2 ** 32 - 1), fc.nat());
    default: return fc.oneof(fc.constantFrom(0, 1, -1, 2 ** 31 - 1, -(2 ** 31)), fc.integer());
  }
}

/** Values for one field, set on `target` by the returned function (one of a oneof's fields at most). */
function field(f: DescField, known: KnownValues, depth: number): fc.Arbitrary<(target: ReflectMessage) => void> {
  switch (f.fieldKind) {
    case "scalar": return scalar(f.scalar, known).map((v) => (t) => t.set(f, v));
    case "enum": return fc.integer({ min: -1, max: 5 }).map((v) => (t) => t.set(f, v));
    case "message":
      if (f.message.typeName === "google.protobuf.Timestamp") return timestamp(f.message).map((m) => (t) => t.set(f, m));
      return message(f.message, known, depth + 1).map((m) => (t) => t.set(f, m));
    case "list": {
      const item = f.listKind === "scalar" ? scalar(f.scalar, known)
        : f.listKind === "enum" ? fc.integer({ min: 0, max: 5 }) : message(f.message, known, depth + 1);
      return fc.array(item, { maxLength: depth === 0 ? 20 : 3 }).map((items) => (t) => {
        const list = t.get(f);
        for (const i of items) list.add(i as never);
      });
    }
    case "map": return fc.constant(() => {}); // no request of ours has a map
  }
}

/**
 * A Timestamp JSON can carry (0001-01-01 to 9999-12-31, nanos within a second), edges and now-ish
 * included: a Connect JSON request cannot hold any other, and binary ones out of range are tested
 * by the specs of the calls that take a time (status.spec.ts).
 */
function timestamp(desc: DescMessage): fc.Arbitrary<ReflectMessage> {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const [min, max] = [-62_135_596_800n, 253_402_300_799n];
  return fc.tuple(
    fc.oneof(fc.constantFrom(min, max, 0n, now - 1n, now + 60n), fc.bigInt({ min, max })),
    fc.oneof(fc.constantFrom(0, 999_999_999), fc.integer({ min: 0, max: 999_999_999 })),
  ).map(([seconds, nanos]) => {
    const r = reflect(desc);
    r.set(desc.field.seconds!, seconds);
    r.set(desc.field.nanos!, nanos);
    return r;
  });
}

/** A message of `desc` with each field set or not, nested at most three deep. */
function message(desc: DescMessage, known: KnownValues, depth = 0): fc.Arbitrary<ReflectMessage> {
  const fields = depth > 2 ? [] : desc.fields;
  return fc.tuple(...fields.map((f) => fc.option(field(f, known, depth), { nil: undefined }))).map((setters) => {
    const r = reflect(desc);
    for (const set of setters) set?.(r);
    return r;
  });
}

/** The bytes of a valid request of `method` in the protocol's encoding. */
function encoded(method: DescMethod, protocol: WireProtocol, known: KnownValues): fc.Arbitrary<Uint8Array> {
  return message(method.input, known).map((r) => protocol === "connect-json"
    ? new TextEncoder().encode(toJsonString(method.input, r.message))
    : toBinary(method.input, r.message));
}

/** Byte-level damage to a valid frame: flipped, cut, inserted, or repeated bytes. */
function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<[Uint8Array, string]> {
  return fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("flip", "cut", "insert", "repeat")).map(([bytes, at, byte, how]) => {
    const i = bytes.byteLength === 0 ? 0 : at % bytes.byteLength;
    const b = Buffer.from(bytes);
    if (how === "flip" && b.byteLength > 0) b[i] = byte;
    if (how === "cut") return [b.subarray(0, i), how];
    if (how === "insert") return [Buffer.concat([b.subarray(0, i), Buffer.of(byte), b.subarray(i)]), how];
    if (how === "repeat") return [Buffer.concat([b, b.subarray(i)]), how];
    return [b, how];
  });
}

/**
 * Calls of every method in every protocol, each with valid frames (random field values), damaged
 * valid frames, or random bytes; streams get up to three frames.
 */
export function fuzzCalls(methods: DescMethod[], protocols: WireProtocol[], known: KnownValues): fc.Arbitrary<FuzzCall> {
  return fc.tuple(fc.constantFrom(...methods), fc.constantFrom(...protocols), fc.boolean(), fc.nat()).chain(([method, protocol, authenticated, kind]) => {
    const valid = encoded(method, protocol, known);
    const frame: fc.Arbitrary<[Uint8Array, string]> = [
      valid.map((b): [Uint8Array, string] => [b, "valid"]),
      mutated(valid),
      fc.uint8Array({ maxLength: 256 }).map((b): [Uint8Array, string] => [b, "random"]),
    ][kind % 3]!;
    const count = method.methodKind === "bidi_streaming" || method.methodKind === "client_streaming" ? 3 : 1;
    const enveloped = method.methodKind !== "unary" || protocol === "grpc" || protocol === "grpc-web";
    const calls = fc.array(frame, { minLength: 1, maxLength: count }).map((frames): FuzzCall => ({
      method, protocol, authenticated,
      messages: frames.map(([b]) => b),
      shape: `${method.parent.name}/${method.name} ${protocol} ${frames.map(([, s]) => s).join("+")}${authenticated ? "" : " anonymous"}`,
    }));
    if (!enveloped || kind % 4 !== 3) return calls;
    // The envelope itself damaged: any flags (compressed, end-of-stream, trailer), a length that lies.
    return fc.tuple(calls, fc.integer({ min: 0, max: 255 }), fc.integer({ min: -8, max: 8 })).map(([call, flags, lie]) => {
      const body = Buffer.from(envelope(call.messages[0]!, flags));
      body.writeUInt32BE(Math.max(0, call.messages[0]!.byteLength + lie), 1);
      return { ...call, rawBody: body, shape: `${call.shape} envelope flags ${flags} length ${lie >= 0 ? "+" : ""}${lie}` };
    });
  });
}
