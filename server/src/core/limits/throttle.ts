import type { BucketRule, LockoutRule, RateLimiter } from "../../engines/limits/interface.ts";
import { rateLimited } from "../errors.ts";

/** Every rate limit of the server: token buckets by what they guard, and the login lockouts. */
export interface LimitRules {
  /** Login attempts per client address (each costs ~170 ms of CPU for argon2id). */
  loginPerIp: BucketRule;
  /** Registrations per client address. */
  registerPerIp: BucketRule;
  /** Messages sent per user, over every device and protocol. */
  sendPerUser: BucketRule;
  /**
   * Messages sent per bot account, over all its tokens and every node: tighter than a person's, so a
   * runaway bot (two bots answering each other, a loop in a handler) stays small.
   */
  sendPerBot: BucketRule;
  /** Messages sent into one conversation, by all its members. */
  sendPerConversation: BucketRule;
  /** Live streams (Stream, Subscribe) opened per user. */
  streamOpenPerUser: BucketRule;
  /** Conversation changes per user: create direct or group, add or remove members, roles, leave. */
  groupOpPerUser: BucketRule;
  /** Message edits per user (each is also a send: an update entry of the conversation). */
  editPerUser: BucketRule;
  /**
   * Status changes per user (UserService.SetStatus): each one is a frame to every contact, so a
   * client flipping its status in a loop must not flood them. A client that sets away when idle
   * and online on activity makes a few an hour.
   */
  statusPerUser: BucketRule;
  /** Message searches per user (SearchService): each may cost tens of milliseconds of a core. */
  searchPerUser: BucketRule;
  /** Wrong passwords per account before it is locked out, doubling. */
  loginFailuresPerAccount: LockoutRule;
  /** Wrong passwords per client address before it is locked out, doubling. */
  loginFailuresPerIp: LockoutRule;
}

/** The bucket rules by the name `--rate-limits` uses for them. */
export type BucketName = Exclude<keyof LimitRules, LockoutName>;

/** Defaults: far above what a person does, far below what hurts a node on 2 cores. */
export const defaultLimitRules: LimitRules = {
  loginPerIp: { burst: 10, perSecond: 0.5 },
  registerPerIp: { burst: 50, perSecond: 1 },
  sendPerUser: { burst: 500, perSecond: 100 },
  sendPerBot: { burst: 10, perSecond: 5 },
  sendPerConversation: { burst: 2_000, perSecond: 1_000 },
  streamOpenPerUser: { burst: 30, perSecond: 2 },
  groupOpPerUser: { burst: 60, perSecond: 5 },
  editPerUser: { burst: 10, perSecond: 10 / 60 },
  statusPerUser: { burst: 20, perSecond: 0.2 },
  searchPerUser: { burst: 100, perSecond: 10 },
  loginFailuresPerAccount: { free: 5, baseMs: 1_000, maxMs: 15 * 60_000, forgetMs: 60 * 60_000 },
  loginFailuresPerIp: { free: 30, baseMs: 1_000, maxMs: 15 * 60_000, forgetMs: 60 * 60_000 },
};

/** The lockout rules by the name `--rate-limits` uses for them. */
export type LockoutName = Extract<keyof LimitRules, "loginFailuresPerAccount" | "loginFailuresPerIp">;
const lockoutNames: readonly string[] = ["loginFailuresPerAccount", "loginFailuresPerIp"] satisfies LockoutName[];

/**
 * Reads `--rate-limits`: "off", or overrides of the defaults, comma-separated: buckets as
 * `name=burst/perSecond` ("loginPerIp=10/0.5,sendPerUser=100/20") and lockouts as
 * `name=free/baseMs/maxMs` ("loginFailuresPerAccount=5/1000/900000"). Throws a message naming the bad part.
 */
export function parseLimitRules(spec: string): LimitRules | undefined {
  if (spec.trim() === "off") return undefined;
  const rules: LimitRules = structuredClone(defaultLimitRules);
  for (const part of spec.split(",").map((p) => p.trim()).filter(Boolean)) {
    const lockout = part.match(/^(\w+)=(\d+)\/(\d+)\/(\d+)$/);
    if (lockout && lockoutNames.includes(lockout[1]!)) {
      const [free, baseMs, maxMs] = lockout.slice(2).map(Number) as [number, number, number];
      if (baseMs < 1 || maxMs < baseMs) throw new Error(`--rate-limits: "${part}" needs baseMs ≥ 1 and maxMs ≥ baseMs`);
      const name = lockout[1] as LockoutName;
      rules[name] = { ...rules[name], free, baseMs, maxMs };
      continue;
    }
    const m = part.match(/^(\w+)=(\d+)\/(\d+(?:\.\d+)?)$/);
    const name = m?.[1] as BucketName | undefined;
    if (!m || !name || !(name in rules) || lockoutNames.includes(name)) {
      const buckets = Object.keys(rules).filter((n) => !lockoutNames.includes(n));
      throw new Error(`--rate-limits: "${part}" is neither name=burst/perSecond with a name of ${buckets.join(", ")} nor name=free/baseMs/maxMs with a name of ${lockoutNames.join(", ")}`);
    }
    const rule = { burst: Number(m[2]), perSecond: Number(m[3]) };
    if (rule.burst < 1 || rule.perSecond <= 0) throw new Error(`--rate-limits: "${part}" needs burst ≥ 1 and perSecond > 0`);
    rules[name] = rule;
  }
  return rules;
}

/**
 * Applies the rules through a RateLimiter engine: each check throws ResourceExhausted carrying when
 * to retry (the client library waits that long). Without rules (`--rate-limits off`) nothing is limited.
 */
export class Throttle {
  private readonly limiter: RateLimiter;
  private readonly rules: LimitRules | undefined;

  constructor(limiter: RateLimiter, rules: LimitRules | undefined) {
    this.limiter = limiter;
    this.rules = rules;
  }

  /** Takes one token of `name` for `key` (a user id, conversation id or address). */
  async take(name: BucketName, key: string, what: string): Promise<void> {
    if (!this.rules) return;
    const wait = await this.limiter.take(`${name}:${key}`, this.rules[name]);
    if (wait > 0) throw rateLimited(`too many ${what}; retry in ${Math.ceil(wait / 1000)} s`, wait);
  }

  /**
   * Per address, before a password check: refuses an address locked out for wrong passwords, and
   * takes one of its login tokens. Cheap enough to run before routing (the password gate does).
   */
  async admitLoginFrom(ip: string): Promise<void> {
    if (!this.rules) return;
    const locked = await this.limiter.lockedFor(`loginFailuresPerIp:${ip}`);
    if (locked > 0) throw rateLimited(`too many wrong passwords from your address; retry in ${Math.ceil(locked / 1000)} s`, locked);
    await this.take("loginPerIp", ip, "login attempts from your address");
  }

  /** Per address, before a registration (which hashes a password): takes one of its registration tokens. */
  admitRegistrationFrom(ip: string): Promise<void> {
    return this.take("registerPerIp", ip, "registrations from your address");
  }

  /**
   * Per account, before a password check: refuses an account locked out for wrong passwords, else
   * counts this attempt as a wrong password in advance (`loginSucceeded` forgets it). Counted before
   * the check, so that attempts made at once from many addresses cannot all pass before any failed;
   * a lockout thus runs from the start of the attempt that set it (one attempt per lockout period).
   */
  async beforeLogin(username: string): Promise<void> {
    if (!this.rules) return;
    const locked = await this.limiter.attempt(`loginFailuresPerAccount:${username}`, this.rules.loginFailuresPerAccount);
    if (locked > 0) throw rateLimited(`too many wrong passwords for this account; retry in ${Math.ceil(locked / 1000)} s`, locked);
  }

  /** After a wrong password: counts it against the address (the account's was counted in `beforeLogin`). */
  async loginFailed(ip: string): Promise<void> {
    if (!this.rules) return;
    await this.limiter.fail(`loginFailuresPerIp:${ip}`, this.rules.loginFailuresPerIp);
  }

  /** After a correct password: the account's failures are forgotten (the address's are not). */
  async loginSucceeded(username: string): Promise<void> {
    if (!this.rules) return;
    await this.limiter.reset(`loginFailuresPerAccount:${username}`);
  }
}
