import http2 from "node:http2";
import type { DescMethod } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestUser, registerUser, startNode } from "./harness.ts";
import { type WireProtocol, everyMethod, rawCall, wireProtocols } from "./raw-rpc.ts";


/** A length-delimited field 1 whose declared length runs past the end of the message. */
const truncated = Uint8Array.of(0x0a, 0x7f, 0x61);
/** A varint that never ends (eleven continuation bytes). */
const endlessVarint = Uint8Array.of(0x08, ...new Array(11).fill(0xff));
/** Wire type 7 does not exist. */
const badWireType = Uint8Array.of(0x0f, 0x00);

/** The tag byte of the method's first string field with a small number, when it has one. */
function firstStringTag(method: DescMethod): number | undefined {
  const field = method.input.fields.find((f) => f.fieldKind === "scalar" && f.scalar === 9 /* STRING */ && f.number < 16);
  return field && (field.number << 3) | 2;
}

describe("malformed requests are InvalidArgument on every RPC, in every protocol", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let user: TestUser;
  let session: http2.ClientHttp2Session;
  beforeAll(async () => {
    // Every Login and Register here counts against its address's buckets (the password gate takes a
    // token before the body is read): this test sends dozens from one address, so its buckets are wide.
    server = await startNode({ args: ["--rate-limits", "loginPerIp=1000/1000,registerPerIp=1000/1000"] });
    user = await registerUser(server, "malformed");
    session = http2.connect(server.url);
  });
  afterAll(async () => {
    session?.destroy();
    await server?.close();
  });

  const binary: WireProtocol[] = wireProtocols.filter((p) => p !== "connect-json");
  const cases = everyMethod.flatMap((method) => binary.map((protocol) => ({ method, protocol })));

  it.each(cases)("$method.parent.name/$method.name over $protocol", async ({ method, protocol }) => {
    const path = `/${method.parent.typeName}/${method.name}`;
    const streaming = method.methodKind !== "unary";
    const bodies = [truncated, endlessVarint, badWireType];
    const tag = firstStringTag(method);
    if (tag !== undefined) bodies.push(Uint8Array.of(tag, 2, 0xc3, 0x28)); // invalid UTF-8 in a string
    for (const body of bodies) {
      const got = await rawCall({ http2: session }, protocol, path, [body], { streaming, token: user.token, deadlineMs: 5_000 });
      expect({ body: [...body], code: got.code, status: got.httpStatus < 500 }).toEqual({ body: [...body], code: "invalid_argument", status: true });
    }
  });

  it.each(everyMethod)("$parent.name/$name: malformed JSON over Connect", async (method) => {
    const path = `/${method.parent.typeName}/${method.name}`;
    const streaming = method.methodKind !== "unary";
    const body = new TextEncoder().encode('{"a": ');
    const got = await rawCall({ http2: session }, "connect-json", path, [body], { streaming, token: user.token, deadlineMs: 5_000 });
    expect(got.code).toBe("invalid_argument");
  });
});
