import type { DatabaseSync } from "node:sqlite";
import type { BotRecord, BotStore, TokenScopeRecord } from "../interface.ts";
import type { Writer } from "./writes.ts";

/**
 * The embedded store's bot tables (migration 2, migrations.ts) behind {@link BotStore}: reads on
 * `db`, writes through the store's writer (writes.ts).
 */
export function createSqliteBotStore(db: DatabaseSync, write: Writer): BotStore {
  const botsByOwner = db.prepare("SELECT * FROM bots WHERE owner_id = ? ORDER BY created_at, bot_id");
  const scopeOf = db.prepare("SELECT * FROM token_scopes WHERE device_id = ?");
  const toBot = (r: Record<string, unknown>): BotRecord => ({
    botId: r.bot_id as string, ownerId: r.owner_id as string, createdAt: new Date(Number(r.created_at)),
  });
  return {
    createBot: (b) => write("createBot", b),
    async getBots(ids) {
      if (ids.length === 0) return [];
      return db.prepare(`SELECT * FROM bots WHERE bot_id IN (${ids.map(() => "?").join(",")})`).all(...ids).map(toBot);
    },
    async listBotsByOwner(ownerId) {
      return botsByOwner.all(ownerId).map(toBot);
    },
    putTokenScope: (s) => write("putTokenScope", s),
    async getTokenScope(deviceId): Promise<TokenScopeRecord | undefined> {
      const r = scopeOf.get(deviceId);
      if (!r) return undefined;
      return { deviceId, conversationIds: JSON.parse(r.conversation_ids as string) as string[], canWrite: r.can_write === 1 };
    },
  };
}
