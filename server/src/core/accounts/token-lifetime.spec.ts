import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ControlCommand } from "../../engines/control/interface.ts";
import { createMemoryControlPlane } from "../../engines/control/memory/memory-control-plane.ts";
import { createMemoryRateLimiter } from "../../engines/limits/memory/memory-rate-limiter.ts";
import type { Store } from "../../engines/store/interface.ts";
import { createSqliteStore } from "../../engines/store/sqlite/sqlite-store.ts";
import { Throttle } from "../limits/throttle.ts";
import { Accounts } from "./accounts.ts";
import { TokenLifetime } from "./token-lifetime.ts";

const day = 86_400_000;
const codeOf = (p: Promise<unknown>) => p.then(() => "ok" as const, (e: unknown) => ConnectError.from(e).code);

describe("token lifetime and password changes", () => {
  let store: Store;
  let tokens: TokenLifetime;
  let accounts: Accounts;
  let clock: number;
  /** Counts the store's last-use writes: the expiry must not cost one per call. */
  let touches: number;
  const commands: ControlCommand[] = [];

  beforeEach(async () => {
    clock = Date.now(); // devices are created at the real time
    touches = 0;
    const sqlite = createSqliteStore({ path: ":memory:" });
    store = { ...sqlite, touchDevice: (...args) => { touches++; return sqlite.touchDevice(...args); } };
    const control = createMemoryControlPlane();
    await control.subscribe("node", (c) => commands.push(c));
    tokens = new TokenLifetime(store, { idleExpiryMs: 30 * day, now: () => clock });
    accounts = new Accounts(store, control, new Throttle(createMemoryRateLimiter(), undefined), tokens);
  });
  afterEach(async () => {
    tokens.close();
    await store.close();
    commands.length = 0;
  });

  const register = () => accounts.register({ username: `u${Math.random().toString(36).slice(2, 10)}`, password: "correct horse battery", displayName: "", deviceName: "laptop" });

  it("records use at most once per interval, and refuses a token idle past the expiry", async () => {
    const { token, user } = await register();
    expect(tokens.recordEveryMs).toBe(10 * 60_000);
    for (let i = 0; i < 20; i++) await accounts.authenticate(token); // the same minute: no write
    expect(touches).toBe(0);
    clock += 11 * 60_000;
    await accounts.authenticate(token);
    await accounts.authenticate(token);
    expect(touches).toBe(1);
    const [device] = await store.listDevices(user.id);
    expect(device?.lastUsedAt?.getTime()).toBe(clock);

    clock += 30 * day - 1;
    await accounts.authenticate(token); // one millisecond short of the expiry: still good, and used again
    clock += 30 * day + 1;
    const err = ConnectError.from(await accounts.authenticate(token).catch((e: unknown) => e));
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toMatch(/expired after 30 days without use; log in again/);
    expect(await store.listDevices(user.id)).toEqual([]);
  });

  it("a live stream's heartbeats keep its device in use (once per interval per device)", async () => {
    const { token, user, deviceId } = await register();
    for (let i = 0; i < 40; i++) {
      clock += day;
      await tokens.noteUse(user.id, deviceId);
    }
    expect(touches).toBe(40);
    await tokens.noteUse(user.id, deviceId);
    expect(touches).toBe(40);
    expect((await accounts.authenticate(token)).deviceId).toBe(deviceId);
  });

  it("the periodic cleanup deletes idle devices and keeps used ones and bot tokens", async () => {
    const idle = await register();
    const used = await register();
    const bot = await accounts.issueToken(idle.user, "bot", "chatbot_", (deviceId) => store.putTokenScope({ deviceId, conversationIds: [], canWrite: true }));
    clock += 20 * day;
    await accounts.authenticate(used.token);
    clock += 11 * day;
    expect(await tokens.sweep()).toBe(1);
    expect(await store.listDevices(idle.user.id)).toEqual([expect.objectContaining({ deviceId: bot.deviceId })]);
    expect((await store.listDevices(used.user.id)).map((d) => d.deviceId)).toEqual([used.deviceId]);
    expect((await accounts.authenticate(bot.token)).deviceId).toBe(bot.deviceId);
  });

  it("changing the password checks the current one and logs every other device out", async () => {
    const first = await register();
    const second = await accounts.login({ username: first.user.username, password: "correct horse battery", deviceName: "phone" });
    const third = await accounts.login({ username: first.user.username, password: "correct horse battery", deviceName: "tablet" });
    const me = await accounts.authenticate(first.token);
    expect(await codeOf(accounts.changePassword(me, { currentPassword: "wrong password", newPassword: "a new long password" }))).toBe(Code.PermissionDenied);
    expect(await codeOf(accounts.changePassword(me, { currentPassword: "correct horse battery", newPassword: "short" }))).toBe(Code.InvalidArgument);
    expect(await accounts.changePassword(me, { currentPassword: "correct horse battery", newPassword: "a new long password" })).toBe(2);
    expect(await codeOf(accounts.authenticate(second.token))).toBe(Code.Unauthenticated);
    expect(await codeOf(accounts.authenticate(third.token))).toBe(Code.Unauthenticated);
    expect(await codeOf(accounts.authenticate(first.token))).toBe("ok");
    expect(commands.filter((c) => c.kind === "disconnect").map((c) => c.kind === "disconnect" && c.deviceId).sort()).toEqual([second.deviceId, third.deviceId].sort());
    expect(await codeOf(accounts.login({ username: first.user.username, password: "correct horse battery", deviceName: "x" }))).toBe(Code.Unauthenticated);
    expect(await codeOf(accounts.login({ username: first.user.username, password: "a new long password", deviceName: "x" }))).toBe("ok");
  });
});
