import type { types } from "cassandra-driver";
import type { BotRecord, BotStore, TokenScopeRecord } from "../interface.ts";
import type { Cql } from "./cql.ts";

/** The cluster store's bot tables (migration 3, migrations.ts) behind {@link BotStore}: each read is one partition. */
export function createScyllaBotStore(cql: Cql): BotStore {
  const toBot = (r: types.Row): BotRecord => ({ botId: r.get("bot_id"), ownerId: r.get("owner_id"), createdAt: r.get("created_at") });
  return {
    async createBot(b) {
      await cql.batch([
        { query: "INSERT INTO bots (bot_id, owner_id, created_at) VALUES (?, ?, ?)", params: [b.botId, b.ownerId, b.createdAt] },
        { query: "INSERT INTO bots_by_owner (owner_id, created_at, bot_id) VALUES (?, ?, ?)", params: [b.ownerId, b.createdAt, b.botId] },
      ]);
    },
    async getBots(ids) {
      const rows = await Promise.all([...new Set(ids)].map(async (id) => (await cql.execute("SELECT * FROM bots WHERE bot_id = ?", [id])).first()));
      return rows.filter((r) => r !== null).map(toBot);
    },
    async listBotsByOwner(ownerId) {
      return (await cql.all("SELECT * FROM bots_by_owner WHERE owner_id = ?", [ownerId])).map(toBot);
    },
    async putTokenScope(s) {
      await cql.execute("INSERT INTO token_scopes (device_id, conversation_ids, can_write) VALUES (?, ?, ?)", [s.deviceId, s.conversationIds, s.canWrite]);
    },
    async getTokenScope(deviceId): Promise<TokenScopeRecord | undefined> {
      const r = (await cql.execute("SELECT * FROM token_scopes WHERE device_id = ?", [deviceId])).first();
      return r ? { deviceId, conversationIds: (r.get("conversation_ids") as string[] | null) ?? [], canWrite: r.get("can_write") === true } : undefined;
    },
  };
}
