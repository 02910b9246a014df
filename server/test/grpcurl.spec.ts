import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser, startNode, streamPaths } from "./harness.ts";

const run = promisify(execFile);

/**
 * The stock grpcurl (installed by scripts/install-grpc-tools.sh, which `./dev test` runs) against a
 * running node with no .proto files at hand: what a gRPC user tries first. Everything it learns of
 * the API comes from server reflection.
 */
describe.each(streamPaths)("grpcurl against a running node, without the .proto files ($path)", ({ args: pathArgs }) => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let grpcurl: string;
  beforeAll(async () => {
    const { stdout } = await run("bash", [join(import.meta.dirname, "../../scripts/install-grpc-tools.sh")], { timeout: 600_000 });
    grpcurl = join(stdout.trim(), "bin", "grpcurl");
    server = await startNode({ args: pathArgs });
  }, 620_000);
  afterAll(async () => server?.close());

  const call = async (...args: string[]) => (await run(grpcurl, ["-plaintext", ...args], { timeout: 20_000 })).stdout;
  const address = () => new URL(server.url).host;

  it("lists the chat services and the standard ones", async () => {
    const services = (await call(address(), "list")).split("\n");
    expect(services).toEqual(expect.arrayContaining([
      "chat.v1.LiveService", "chat.v1.AuthService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
    ]));
  });

  it("describes a method's messages", async () => {
    const described = await call(address(), "describe", "chat.v1.LiveService");
    expect(described).toMatch(/rpc Stream \( stream \.chat\.v1\.StreamRequest \) returns \( stream \.chat\.v1\.StreamResponse \)/);
  });

  it("checks health, overall and per service", async () => {
    expect(JSON.parse(await call(address(), "grpc.health.v1.Health/Check"))).toEqual({ status: "SERVING" });
    const live = await call("-d", '{"service":"chat.v1.LiveService"}', address(), "grpc.health.v1.Health/Check");
    expect(JSON.parse(live)).toEqual({ status: "SERVING" });
  });

  it("makes an authenticated call with a token from the schema it discovered", async () => {
    const user = await registerUser(server, "curl");
    const me = JSON.parse(await call("-H", `authorization: Bearer ${user.token}`, address(), "chat.v1.AuthService/WhoAmI"));
    expect(JSON.stringify(me)).toContain(user.username);
  });

  it("opens the bidirectional live stream, sends a frame and reads the server's frames until its deadline", async () => {
    const user = await registerUser(server, "curl");
    // grpcurl sends the frames given and half-closes; the stream stays open until the deadline.
    const streaming = run(grpcurl, ["-plaintext", "-max-time", "2", "-H", `authorization: Bearer ${user.token}`, "-d", '{"requestId":"r1","resume":{}}',
      address(), "chat.v1.LiveService/Stream"], { timeout: 20_000 });
    const { stdout, stderr } = await streaming.catch((err: { stdout: string; stderr: string }) => err);
    expect(stdout).toContain('"ready"');
    expect(stdout).toContain('"resumeComplete"');
    expect(stderr).toMatch(/DeadlineExceeded|^$/);
  });
});
