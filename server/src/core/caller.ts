/** The authenticated device a call comes from. Set by the auth interceptor, read by every handler. */
export interface Caller {
  userId: string;
  deviceId: string;
  /** Set for a bot's API token: what the token may do. Undefined for people, who may do anything their roles allow. */
  scope?: TokenScope;
}

/** What a bot token may do. */
export interface TokenScope {
  /** The conversations it may read and write; empty for every conversation the bot is in. */
  conversationIds: ReadonlySet<string>;
  /** False for a read-only token. */
  canWrite: boolean;
}
