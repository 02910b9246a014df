import type { BotRecord, DeviceRecord, Store, UserRecord } from "../../engines/store/interface.ts";
import { botTokenPrefix } from "../../auth/token.ts";
import type { Accounts } from "../accounts/accounts.ts";
import type { Caller } from "../caller.ts";
import { invalidArgument, notFound, permissionDenied } from "../errors.ts";
import type { Throttle } from "../limits/throttle.ts";
import { limits, requireId } from "../validate.ts";

/** A bot token as its owner sees it (never the token itself). */
export interface BotTokenInfo {
  tokenId: string;
  name: string;
  conversationIds: string[];
  canWrite: boolean;
  createdAt: Date;
}

/** What a token may do, as its owner asks for it. */
export interface BotTokenRequest {
  botId: string;
  name: string;
  conversationIds: readonly string[];
  canWrite: boolean;
}

/**
 * Bot accounts: a person creates bots (users without a password), issues each API tokens scoped to
 * conversations and to read or read/write, lists them and revokes them. A bot's tokens are its
 * devices, so revoking one closes its streams like any logout. Only people manage bots: a bot token
 * gets PermissionDenied here. A bot's sends have a rate limit of their own ({@link takeSend}), a rule
 * of the Throttle, so that it holds across the nodes of a cluster (its buckets live in Redis there).
 */
export class Bots {
  private readonly store: Store;
  private readonly accounts: Accounts;
  private readonly throttle: Throttle;

  constructor(store: Store, accounts: Accounts, throttle: Throttle) {
    this.store = store;
    this.accounts = accounts;
    this.throttle = throttle;
  }

  /** Creates a bot owned by the caller. */
  async create(caller: Caller, username: string, displayName: string): Promise<{ user: UserRecord; bot: BotRecord }> {
    requirePerson(caller);
    const user = await this.accounts.createUser(username, displayName, "");
    const bot = { botId: user.id, ownerId: caller.userId, createdAt: user.createdAt };
    await this.store.createBot(bot);
    return { user, bot };
  }

  /** The caller's bots, oldest first. */
  async list(caller: Caller): Promise<{ user: UserRecord; bot: BotRecord }[]> {
    requirePerson(caller);
    const bots = await this.store.listBotsByOwner(caller.userId);
    const users = new Map((await this.store.getUsers(bots.map((b) => b.botId))).map((u) => [u.id, u]));
    return bots.flatMap((bot) => {
      const user = users.get(bot.botId);
      return user ? [{ user, bot }] : [];
    });
  }

  /** Issues an API token for one of the caller's bots; the token is shown once. */
  async createToken(caller: Caller, req: BotTokenRequest): Promise<{ token: string; info: BotTokenInfo }> {
    const user = await this.owned(caller, req.botId);
    if (req.conversationIds.length > limits.maxLookup) throw invalidArgument(`at most ${limits.maxLookup} conversation_ids`);
    const conversationIds = [...new Set(req.conversationIds.map((id) => requireId(id, "conversation_id")))];
    const scope = { conversationIds, canWrite: req.canWrite };
    const issued = await this.accounts.issueToken(user, req.name || "bot", botTokenPrefix,
      (deviceId) => this.store.putTokenScope({ deviceId, ...scope }));
    return { token: issued.token, info: { tokenId: issued.deviceId, name: req.name || "bot", ...scope, createdAt: new Date() } };
  }

  /** The tokens of one of the caller's bots, oldest first. */
  async listTokens(caller: Caller, botId: string): Promise<BotTokenInfo[]> {
    await this.owned(caller, botId);
    const devices = await this.store.listDevices(botId);
    return Promise.all(devices.map((d) => this.info(d)));
  }

  /** Revokes a token of one of the caller's bots; its streams close with Unauthenticated. */
  async revokeToken(caller: Caller, botId: string, tokenId: string): Promise<void> {
    await this.owned(caller, botId);
    await this.accounts.revoke({ userId: botId, deviceId: tokenId }, tokenId);
  }

  /** The owners of those of `userIds` that are bots: bot id to owner id. */
  async ownersOf(userIds: readonly string[]): Promise<Map<string, string>> {
    return new Map((await this.store.getBots(userIds)).map((b) => [b.botId, b.ownerId]));
  }

  /**
   * Takes one send from a bot's allowance (the `sendPerBot` rule, shared by all its tokens on every
   * node); ResourceExhausted with when to retry over it. People are not limited here.
   */
  async takeSend(caller: Caller): Promise<void> {
    if (!caller.scope) return;
    await this.throttle.take("sendPerBot", caller.userId, "messages from this bot");
  }

  private async info(d: DeviceRecord): Promise<BotTokenInfo> {
    const scope = await this.store.getTokenScope(d.deviceId);
    return { tokenId: d.deviceId, name: d.deviceName, conversationIds: scope?.conversationIds ?? [], canWrite: scope?.canWrite ?? false, createdAt: d.createdAt };
  }

  /** The bot's account, when the caller owns it; NotFound otherwise (others' bots are not told apart from none). */
  private async owned(caller: Caller, botId: string): Promise<UserRecord> {
    requirePerson(caller);
    requireId(botId, "bot_id");
    const [bot] = await this.store.getBots([botId]);
    const [user] = bot?.ownerId === caller.userId ? await this.store.getUsers([botId]) : [];
    if (!user) throw notFound(`no bot "${botId}" among your bots`);
    return user;
  }
}

/** Bots do not manage bots: only a person's device may. */
function requirePerson(caller: Caller): void {
  if (caller.scope) throw permissionDenied("a bot token may not manage bots; use its owner's login");
}
