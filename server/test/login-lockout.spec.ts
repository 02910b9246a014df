import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, registerUser, startNode } from "./harness.ts";

/*
 * Issue 9: "logins per account and per IP with exponential lockout". Small lockouts (1 s, doubling)
 * keep the test short; the login bucket is opened wide so that only the lockouts refuse. Each client
 * speaks from a loopback address of its own (Linux routes all of 127/8 to lo), as clients on a
 * network do, since the limits are per address.
 */
// Longer than a password check (~0.3 s here): a lockout runs from the start of the attempt that set it.
const baseMs = 1_000;
const password = "correct horse battery";

describe("login lockout", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  beforeAll(async () => {
    server = await startNode({ args: ["--rate-limits", `loginPerIp=1000/1000,loginFailuresPerAccount=2/${baseMs}/10000,loginFailuresPerIp=4/${baseMs}/10000`] });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A login from `address`, resolving "ok", "Unauthenticated", or the ResourceExhausted's retry-after-ms. */
  const login = async (address: string, username: string, pass: string): Promise<string | number> => {
    const { hostname, port } = new URL(server.url);
    const auth = clientsFor(createGrpcTransport({ baseUrl: server.url, nodeOptions: {
      createConnection: () => net.connect({ host: hostname, port: Number(port), localAddress: address }),
    } })).auth;
    try {
      await auth.login({ username, password: pass, deviceName: "t" });
      return "ok";
    } catch (err) {
      const e = ConnectError.from(err);
      if (e.code !== Code.ResourceExhausted) return Code[e.code];
      expect(Number(e.metadata.get("retry-after")), "whole seconds, as HTTP has it").toBeGreaterThanOrEqual(1);
      return Number(e.metadata.get("retry-after-ms"));
    }
  };
  /** Waits out a lockout the server announced (the wait it asked for is the event under test). */
  const waitOut = (retryMs: string | number) => sleep(Number(retryMs) + 30);
  // Fresh addresses per attempt for the account tests, so that the address's own record stays clean.
  let next = 0;
  const anyAddress = () => `127.0.1.${1 + (next++ % 250)}`;

  it("locks an account out after its free wrong passwords, whatever address they come from, with retry info, even for the right password; doubling on repeat; a success resets it", async () => {
    const [victim, bystander] = await Promise.all([registerUser(server, "victim"), registerUser(server, "bystander")]);
    for (let i = 0; i < 3; i++) expect(await login(anyAddress(), victim.username, "wrong")).toBe("Unauthenticated");
    // 3 failures (2 free): locked for baseMs, the right password included, from any address.
    const first = await login(anyAddress(), victim.username, password);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(baseMs);
    // Another account is not affected, from the same address either.
    const address = anyAddress();
    expect(await login(address, victim.username, password)).toEqual(expect.any(Number));
    expect(await login(address, bystander.username, password)).toBe("ok");

    await waitOut(first);
    expect(await login(anyAddress(), victim.username, "wrong")).toBe("Unauthenticated");
    const second = await login(anyAddress(), victim.username, password);
    expect(second, "the lockout doubled").toBeGreaterThan(baseMs);
    expect(second).toBeLessThanOrEqual(2 * baseMs);

    await waitOut(second);
    expect(await login(anyAddress(), victim.username, password)).toBe("ok");
    // The success forgot the failures: the free ones again, then the base lockout, not 4x.
    for (let i = 0; i < 3; i++) expect(await login(anyAddress(), victim.username, "wrong")).toBe("Unauthenticated");
    const afterReset = await login(anyAddress(), victim.username, password);
    expect(afterReset).toBeGreaterThan(0);
    expect(afterReset).toBeLessThanOrEqual(baseMs);
  });

  it("lets no more than the free wrong passwords and the one that locks through when many come at once from many addresses", async () => {
    const target = await registerUser(server, "stormed");
    const answers = await Promise.all(Array.from({ length: 20 }, () => login(anyAddress(), target.username, "wrong")));
    // Each attempt counts before its password is checked: 2 free + the 3rd (which locks) are checked.
    expect(answers.filter((a) => a === "Unauthenticated")).toHaveLength(3);
    expect(answers.filter((a) => typeof a === "number")).toHaveLength(17);
  });

  it("locks an address out after its free wrong passwords over any accounts, doubling on repeat; other addresses and the accounts themselves are unaffected; a success does not forgive the address", async () => {
    const user = await registerUser(server, "guessed");
    const attacker = "127.0.2.1";
    // 5 failures (4 free) over 5 accounts, none of them locked itself (2 free each).
    for (let i = 0; i < 5; i++) expect(await login(attacker, `nobody${i}${process.pid}`, "wrong")).toBe("Unauthenticated");
    const first = await login(attacker, user.username, password);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(baseMs);
    expect(await login("127.0.2.2", user.username, password), "another address, the same account").toBe("ok");

    await waitOut(first);
    expect(await login(attacker, `nobody-again${process.pid}`, "wrong")).toBe("Unauthenticated");
    const second = await login(attacker, user.username, password);
    expect(second, "the lockout doubled").toBeGreaterThan(baseMs);
    expect(second).toBeLessThanOrEqual(2 * baseMs);

    await waitOut(second);
    expect(await login(attacker, user.username, password)).toBe("ok");
    // An attacker holding one account of its own cannot clear its address's record by logging into it.
    expect(await login(attacker, `nobody-third${process.pid}`, "wrong")).toBe("Unauthenticated");
    const third = await login(attacker, user.username, password);
    expect(third, "doubled again").toBeGreaterThan(2 * baseMs);
    expect(third).toBeLessThanOrEqual(4 * baseMs);
  });
});
