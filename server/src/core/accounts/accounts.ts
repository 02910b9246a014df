import { randomUUID } from "node:crypto";
import type { ControlPlane } from "../../engines/control/interface.ts";
import type { DeviceRecord, Store, UserRecord } from "../../engines/store/interface.ts";
import { dummyHash, hashPassword, verifyPassword } from "../../auth/password.ts";
import { botTokenPrefix, hashToken, newToken } from "../../auth/token.ts";
import type { Caller } from "../caller.ts";
import type { Throttle } from "../limits/throttle.ts";
import { alreadyExists, failedPrecondition, notFound, permissionDenied, unauthenticated } from "../errors.ts";
import type { TokenLifetime } from "./token-lifetime.ts";
import { limits, requireLength, requireUsername } from "../validate.ts";

/** Where a call comes from, for the limits per address. */
export interface Origin {
  ip: string;
  /** The address's limits were applied before routing (the password gate): not again here. */
  addressChecked?: boolean;
}

/** The origin of calls made inside the process (tests, tools), which have no address. */
const inProcess: Origin = { ip: "in-process" };

/** How long a password check may wait for the argon2 pool before it is refused, by default. */
export const defaultPasswordWaitMs = 2_000;

/** A freshly logged-in device and its token (shown once). */
export interface LoggedIn {
  user: UserRecord;
  deviceId: string;
  token: string;
}

/**
 * Accounts and devices: registration, login, token checks and revocation. Every device has its own
 * token; only the token's SHA-256 is stored.
 */
export class Accounts {
  private readonly store: Store;
  private readonly control: ControlPlane;
  private readonly throttle: Throttle;
  private readonly tokens: TokenLifetime;
  private readonly passwordWaitMs: number;

  /**
   * `control` closes a revoked device's streams on whichever node holds them; `throttle` limits
   * logins and registrations; `tokens` expires devices left unused; a password check (Login,
   * Register, ChangePassword) that would wait longer than `passwordWaitMs` for the argon2 pool is
   * refused at once with ResourceExhausted and retry-after.
   */
  constructor(store: Store, control: ControlPlane, throttle: Throttle, tokens: TokenLifetime, passwordWaitMs = defaultPasswordWaitMs) {
    this.store = store;
    this.control = control;
    this.throttle = throttle;
    this.tokens = tokens;
    this.passwordWaitMs = passwordWaitMs;
  }

  /** Creates an account and logs its first device in; `origin.ip` is the client's address (rate-limited). */
  async register(input: { username: string; password: string; displayName: string; deviceName: string }, origin: Origin = inProcess): Promise<LoggedIn> {
    if (!origin.addressChecked) await this.throttle.admitRegistrationFrom(origin.ip);
    requireLength(input.password, "password", limits.minPasswordLength, limits.maxPasswordLength);
    const user = await this.createUser(input.username, input.displayName, await hashPassword(input.password, this.passwordWaitMs));
    return this.issueToken(user, input.deviceName);
  }

  /**
   * Creates an account; `passwordHash` is empty for a bot, which can then never log in with a
   * password. AlreadyExists when the username is taken.
   */
  async createUser(name: string, displayName: string, passwordHash: string): Promise<UserRecord> {
    const username = requireUsername(name);
    const user: UserRecord = {
      id: randomUUID(), username, passwordHash, createdAt: new Date(),
      displayName: requireLength(displayName.trim(), "display_name", 0, limits.maxDisplayNameLength) || username,
    };
    if (!(await this.store.createUser(user))) throw alreadyExists(`username "${username}" is taken`);
    return user;
  }

  /**
   * Logs a device in; the same error for an unknown user and a wrong password. Attempts are limited
   * per address, and wrong passwords lock the account and the address out for doubling times.
   */
  async login(input: { username: string; password: string; deviceName: string }, origin: Origin = inProcess): Promise<LoggedIn> {
    const username = input.username.trim().replace(/^@/, "").toLowerCase();
    await this.beforePasswordCheck(username, origin);
    const user = username ? await this.store.getUserByUsername(username) : undefined;
    // A bot has no password (an empty hash): it connects with API tokens only.
    const ok = await verifyPassword(user?.passwordHash || dummyHash, input.password, this.passwordWaitMs);
    if (!user?.passwordHash || !ok) {
      await this.throttle.loginFailed(origin.ip);
      throw unauthenticated("wrong username or password");
    }
    await this.throttle.loginSucceeded(username);
    return this.issueToken(user, input.deviceName);
  }

  /** The device a bearer token belongs to; Unauthenticated when it is unknown, revoked or expired from disuse. */
  async authenticate(token: string): Promise<Caller> {
    const device = await this.store.getDeviceByTokenHash(hashToken(token));
    if (!device) throw unauthenticated("the token is unknown or was revoked; log in again");
    const bot = token.startsWith(botTokenPrefix);
    await this.tokens.check(device, bot);
    if (!bot) return { userId: device.userId, deviceId: device.deviceId };
    const scope = await this.store.getTokenScope(device.deviceId);
    if (!scope) throw unauthenticated("the bot token has no scope; create a new one");
    return { userId: device.userId, deviceId: device.deviceId, scope: { conversationIds: new Set(scope.conversationIds), canWrite: scope.canWrite } };
  }

  /** The caller's account. */
  async whoAmI(caller: Caller): Promise<UserRecord> {
    const [user] = await this.store.getUsers([caller.userId]);
    if (!user) throw unauthenticated("the account no longer exists");
    return user;
  }

  /** The caller's devices, oldest first. */
  listSessions(caller: Caller): Promise<DeviceRecord[]> {
    return this.store.listDevices(caller.userId);
  }

  /** Revokes one of the caller's devices (the calling one on logout). */
  async revoke(caller: Caller, deviceId: string): Promise<void> {
    if (!(await this.revokeDevice(caller.userId, deviceId, "this device was logged out"))) throw notFound(`no device "${deviceId}" among your sessions`);
  }

  /**
   * Changes the caller's password, then logs out every other device of theirs (closing their
   * streams on every node); resolves how many. The current password is checked and throttled like
   * a login, so that a stolen token cannot guess it either.
   */
  async changePassword(caller: Caller, input: { currentPassword: string; newPassword: string }, origin: Origin = inProcess): Promise<number> {
    if (caller.scope) throw permissionDenied("a bot token cannot change a password");
    requireLength(input.newPassword, "new_password", limits.minPasswordLength, limits.maxPasswordLength);
    const user = await this.whoAmI(caller);
    if (!user.passwordHash) throw failedPrecondition("this account has no password: it connects with API tokens only");
    await this.beforePasswordCheck(user.username, origin);
    if (!(await verifyPassword(user.passwordHash, input.currentPassword, this.passwordWaitMs))) {
      await this.throttle.loginFailed(origin.ip);
      // Not Unauthenticated: the calling device's token is fine, and clients log out on that code.
      throw permissionDenied("the current password is wrong");
    }
    await this.throttle.loginSucceeded(user.username);
    await this.store.setPasswordHash(user, await hashPassword(input.newPassword, this.passwordWaitMs));
    const others = (await this.store.listDevices(user.id)).filter((d) => d.deviceId !== caller.deviceId);
    const revoked = await Promise.all(others.map((d) => this.revokeDevice(user.id, d.deviceId, "the password was changed; log in again")));
    return revoked.filter(Boolean).length;
  }

  /** The limits before a password check: the address's (unless applied before routing), then the account's lockout. */
  private async beforePasswordCheck(username: string, origin: Origin): Promise<void> {
    if (!origin.addressChecked) await this.throttle.admitLoginFrom(origin.ip);
    await this.throttle.beforeLogin(username);
  }

  /** Deletes a device and closes its streams wherever they are; false when it did not exist. */
  private async revokeDevice(userId: string, deviceId: string, reason: string): Promise<boolean> {
    const device = await this.store.deleteDevice(userId, deviceId);
    if (!device) return false;
    await this.control.publish({ kind: "disconnect", userId: device.userId, deviceId: device.deviceId, reason });
    return true;
  }

  /**
   * Logs a new device of a user in: a new token, of which only the hash is kept. `before` runs with
   * the device id before the token exists (a bot token's scope is stored there, so that no token is
   * ever without one).
   */
  async issueToken(user: UserRecord, deviceName: string, prefix?: string, before?: (deviceId: string) => Promise<void>): Promise<LoggedIn> {
    const name = requireLength(deviceName.trim(), "device_name", 0, limits.maxDeviceNameLength) || "device";
    const token = newToken(prefix);
    const deviceId = randomUUID();
    await before?.(deviceId);
    const now = new Date();
    await this.store.createDevice({ userId: user.id, deviceId, deviceName: name, tokenHash: hashToken(token), createdAt: now, lastUsedAt: now });
    return { user, deviceId, token };
  }
}
