import type { DatabaseSync } from "node:sqlite";
import type { BotRecord, BotStore, TokenScopeRecord } from "../interface.ts";

/** The embedded store's bot tables (migration 2, migrations.ts) behind {@link BotStore}. */
export function createSqliteBotStore(db: DatabaseSync): BotStore {
  const insertBot = db.prepare("INSERT INTO bots VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
  const botsByOwner = db.prepare("SELECT * FROM bots WHERE owner_id = ? ORDER BY created_at, bot_id");
  const putScope = db.prepare(`INSERT INTO token_scopes VALUES (?, ?, ?)
    ON CONFLICT (device_id) DO UPDATE SET conversation_ids = excluded.conversation_ids, can_write = excluded.can_write`);
  const scopeOf = db.prepare("SELECT * FROM token_scopes WHERE device_id = ?");
  const toBot = (r: Record<string, unknown>): BotRecord => ({
    botId: r.bot_id as string, ownerId: r.owner_id as string, createdAt: new Date(Number(r.created_at)),
  });
  return {
    async createBot(b) {
      insertBot.run(b.botId, b.ownerId, b.createdAt.getTime());
    },
    async getBots(ids) {
      if (ids.length === 0) return [];
      return db.prepare(`SELECT * FROM bots WHERE bot_id IN (${ids.map(() => "?").join(",")})`).all(...ids).map(toBot);
    },
    async listBotsByOwner(ownerId) {
      return botsByOwner.all(ownerId).map(toBot);
    },
    async putTokenScope(s) {
      putScope.run(s.deviceId, JSON.stringify(s.conversationIds), s.canWrite ? 1 : 0);
    },
    async getTokenScope(deviceId): Promise<TokenScopeRecord | undefined> {
      const r = scopeOf.get(deviceId);
      if (!r) return undefined;
      return { deviceId, conversationIds: JSON.parse(r.conversation_ids as string) as string[], canWrite: r.can_write === 1 };
    },
  };
}
