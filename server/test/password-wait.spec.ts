import { Code, ConnectError } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { availableParallelism } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, startNode } from "./harness.ts";

/*
 * A burst of logins from many addresses (each within its own bucket) used to queue up to 128 argon2
 * checks behind one slot: the last waited ~37 s. A check expected to wait past the bound
 * (--password-check-max-wait-ms) is refused at once, so that every call answers within the bound
 * and its own check (auth/password.ts, ArgonPool.run).
 */
describe("password checks under a burst of logins from many addresses", () => {
  const boundMs = 1_000;
  // ~7 s of checks per slot (one core is left to the event loop): far past the bound.
  const burst = Math.min(200, 24 * Math.max(1, availableParallelism() - 1));
  let server: Awaited<ReturnType<typeof startNode>>;
  beforeAll(async () => {
    server = await startNode({ args: ["--password-check-max-wait-ms", String(boundMs)] });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A login of an unknown user from `localAddress`: its code and how long it took to answer. */
  const login = async (localAddress: string, i: number) => {
    const auth = clientsFor(createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", nodeOptions: { localAddress } })).auth;
    const started = performance.now();
    const error = await auth.login({ username: `nobody-burst${i}-${process.pid}`, password: "wrong password", deviceName: "t" })
      .then(() => undefined, (err: unknown) => ConnectError.from(err));
    return { error, ms: performance.now() - started };
  };

  it("answers every call within the bound and one check, refusing the excess at once with resource_exhausted and retry-after", async () => {
    const alone = await login("127.0.5.250", burst); // one check on an idle pool, as the yardstick
    expect(alone.error?.code, alone.error?.rawMessage).toBe(Code.Unauthenticated);
    const results = await Promise.all(Array.from({ length: burst }, (_, i) => login(`127.0.5.${i + 1}`, i)));
    const report = results.map((r) => `${r.error?.code === undefined ? "ok" : Code[r.error.code]} ${r.ms.toFixed(0)} ms`).join(", ");
    const refused = results.filter((r) => r.error?.code === Code.ResourceExhausted);
    expect(results.filter((r) => r.error?.code === Code.Unauthenticated).length, report).toBeGreaterThan(0);
    expect(refused.length, report).toBeGreaterThan(0);
    expect(refused.length + results.filter((r) => r.error?.code === Code.Unauthenticated).length, report).toBe(burst);
    for (const r of refused) {
      expect(r.error?.rawMessage).toMatch(/busy checking passwords/);
      expect(Number(r.error?.metadata.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(r.error?.metadata.get("retry-after-ms"))).toBeGreaterThan(boundMs);
    }
    // The bound and one check, with the check counted twice and 1 s of slack for a loaded machine
    // (the parallel suite); queued behind one slot, the last of the burst answered after ~7 s.
    expect(Math.max(...results.map((r) => r.ms)), report).toBeLessThanOrEqual(boundMs + 2 * alone.ms + 1_000);
  }, 30_000);
});
