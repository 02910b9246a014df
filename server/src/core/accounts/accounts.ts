import { randomUUID } from "node:crypto";
import type { ControlPlane } from "../../engines/control/interface.ts";
import type { DeviceRecord, Store, UserRecord } from "../../engines/store/interface.ts";
import { dummyHash, hashPassword, verifyPassword } from "../../auth/password.ts";
import { hashToken, newToken } from "../../auth/token.ts";
import type { Caller } from "../caller.ts";
import type { Throttle } from "../limits/throttle.ts";
import { alreadyExists, notFound, unauthenticated } from "../errors.ts";
import { limits, requireLength, requireUsername } from "../validate.ts";

/** Where a call comes from, for the limits per address. */
export interface Origin {
  ip: string;
}

/** The origin of calls made inside the process (tests, tools), which have no address. */
const inProcess: Origin = { ip: "in-process" };

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

  /** `control` closes a revoked device's streams on whichever node holds them; `throttle` limits logins and registrations. */
  constructor(store: Store, control: ControlPlane, throttle: Throttle) {
    this.store = store;
    this.control = control;
    this.throttle = throttle;
  }

  /** Creates an account and logs its first device in; `origin.ip` is the client's address (rate-limited). */
  async register(input: { username: string; password: string; displayName: string; deviceName: string }, origin: Origin = inProcess): Promise<LoggedIn> {
    const username = requireUsername(input.username);
    await this.throttle.take("registerPerIp", origin.ip, "registrations from your address");
    requireLength(input.password, "password", limits.minPasswordLength, limits.maxPasswordLength);
    const displayName = requireLength(input.displayName.trim(), "display_name", 0, limits.maxDisplayNameLength) || username;
    const user: UserRecord = {
      id: randomUUID(), username, displayName,
      passwordHash: await hashPassword(input.password), createdAt: new Date(),
    };
    if (!(await this.store.createUser(user))) throw alreadyExists(`username "${username}" is taken`);
    return this.logIn(user, input.deviceName);
  }

  /**
   * Logs a device in; the same error for an unknown user and a wrong password. Attempts are limited
   * per address, and wrong passwords lock the account and the address out for doubling times.
   */
  async login(input: { username: string; password: string; deviceName: string }, origin: Origin = inProcess): Promise<LoggedIn> {
    const username = input.username.trim().replace(/^@/, "").toLowerCase();
    await this.throttle.beforeLogin(username, origin.ip);
    const user = username ? await this.store.getUserByUsername(username) : undefined;
    const ok = await verifyPassword(user?.passwordHash ?? dummyHash, input.password);
    if (!user || !ok) {
      await this.throttle.loginFailed(username, origin.ip);
      throw unauthenticated("wrong username or password");
    }
    await this.throttle.loginSucceeded(username);
    return this.logIn(user, input.deviceName);
  }

  /** The device a bearer token belongs to; Unauthenticated when it is unknown or revoked. */
  async authenticate(token: string): Promise<Caller> {
    const device = await this.store.getDeviceByTokenHash(hashToken(token));
    if (!device) throw unauthenticated("the token is unknown or was revoked; log in again");
    return { userId: device.userId, deviceId: device.deviceId };
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
    const device = await this.store.deleteDevice(caller.userId, deviceId);
    if (!device) throw notFound(`no device "${deviceId}" among your sessions`);
    await this.control.publish({ kind: "disconnect", userId: device.userId, deviceId: device.deviceId, reason: "this device was logged out" });
  }

  private async logIn(user: UserRecord, deviceName: string): Promise<LoggedIn> {
    const name = requireLength(deviceName.trim(), "device_name", 0, limits.maxDeviceNameLength) || "device";
    const token = newToken();
    const deviceId = randomUUID();
    await this.store.createDevice({ userId: user.id, deviceId, deviceName: name, tokenHash: hashToken(token), createdAt: new Date() });
    return { user, deviceId, token };
  }
}
