import type { types } from "cassandra-driver";
import type { PushEndpointRecord, PushProviderKind } from "../../../push/providers/provider.ts";
import type { PushStore } from "../push-store.ts";
import type { Cql, Statement } from "./cql.ts";

/**
 * The cluster store's push tables (migration 9) behind {@link PushStore}: endpoints by user (the
 * worker's read) and by (provider, token) (which device a token belongs to), written together in
 * logged batches; settings by user; mutes by conversation (the trigger reads a conversation's mutes in
 * one partition read, a view one row of it). Each read is one partition.
 *
 * Moving a token between devices is read-then-write, not a lightweight transaction: two devices
 * registering the same token at the same instant may both keep it until the push service reports it
 * gone from one of them. A push service hands a token to one app install, so that race needs a copy
 * of the token on two devices, and costs a duplicate notification at worst.
 */
export function createScyllaPushStore(cql: Cql): PushStore {
  const endpointOf = async (userId: string, deviceId: string) =>
    (await cql.execute("SELECT * FROM push_endpoints_by_user WHERE user_id = ? AND device_id = ?", [userId, deviceId])).first() ?? undefined;
  return {
    async putPushEndpoint(e) {
      const owner = (await cql.execute("SELECT user_id, device_id FROM push_endpoints_by_token WHERE provider = ? AND push_token = ?", [e.provider, e.token])).first();
      const moves: Statement[] = [];
      if (owner && (owner.get("user_id") !== e.userId || owner.get("device_id") !== e.deviceId)) {
        const there = await endpointOf(owner.get("user_id"), owner.get("device_id"));
        if (there?.get("push_token") === e.token) moves.push(deleteByUser(owner.get("user_id"), owner.get("device_id")));
      }
      const previous = await endpointOf(e.userId, e.deviceId);
      if (previous && (previous.get("provider") !== e.provider || previous.get("push_token") !== e.token)) {
        moves.push(deleteByToken(previous.get("provider"), previous.get("push_token")));
      }
      await cql.batch([...moves,
        { query: `INSERT INTO push_endpoints_by_user (user_id, device_id, provider, push_token, p256dh, auth, apns_sandbox, registered_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          params: [e.userId, e.deviceId, e.provider, e.token, e.p256dh ?? null, e.auth ?? null, e.apnsSandbox ?? false, e.registeredAt] },
        { query: "INSERT INTO push_endpoints_by_token (provider, push_token, user_id, device_id) VALUES (?, ?, ?, ?)",
          params: [e.provider, e.token, e.userId, e.deviceId] },
      ]);
    },
    async getPushEndpoint(userId, deviceId) {
      const row = await endpointOf(userId, deviceId);
      return row ? toEndpoint(row) : undefined;
    },
    async listPushEndpoints(userId) {
      return (await cql.all("SELECT * FROM push_endpoints_by_user WHERE user_id = ?", [userId])).map(toEndpoint);
    },
    async deletePushEndpoint(userId, deviceId, token) {
      const row = await endpointOf(userId, deviceId);
      if (!row || (token !== undefined && row.get("push_token") !== token)) return false;
      await cql.batch(await endpointDeletes(cql, userId, deviceId));
      return true;
    },
    async getPushSettings(userId) {
      const row = (await cql.execute("SELECT show_previews FROM push_settings WHERE user_id = ?", [userId])).first();
      return { showPreviews: row?.get("show_previews") === true };
    },
    async putPushSettings(userId, settings) {
      await cql.execute("INSERT INTO push_settings (user_id, show_previews) VALUES (?, ?)", [userId, settings.showPreviews]);
    },
    async setMute(m) {
      await cql.execute("INSERT INTO mutes_by_conversation (conversation_id, user_id, muted_until) VALUES (?, ?, ?)",
        [m.conversationId, m.userId, m.until ?? null]);
    },
    async deleteMute(conversationId, userId) {
      await cql.execute("DELETE FROM mutes_by_conversation WHERE conversation_id = ? AND user_id = ?", [conversationId, userId]);
    },
    async listMutes(conversationId) {
      return (await cql.all("SELECT * FROM mutes_by_conversation WHERE conversation_id = ?", [conversationId])).map((r) => ({
        conversationId, userId: r.get("user_id") as string, until: (r.get("muted_until") as Date | null) ?? undefined,
      }));
    },
  };
}

/**
 * The statements that remove a device's endpoint from both tables (none when it has none): part of
 * the batch that deletes the device (device-tables.ts), so that a logged-out device is pushed no more.
 * The token's row goes only while it still names this device (it may have moved since).
 */
export async function endpointDeletes(cql: Cql, userId: string, deviceId: string): Promise<Statement[]> {
  const row = (await cql.execute("SELECT provider, push_token FROM push_endpoints_by_user WHERE user_id = ? AND device_id = ?", [userId, deviceId])).first();
  if (!row) return [];
  const provider = row.get("provider") as string;
  const token = row.get("push_token") as string;
  const owner = (await cql.execute("SELECT device_id FROM push_endpoints_by_token WHERE provider = ? AND push_token = ?", [provider, token])).first();
  return [deleteByUser(userId, deviceId), ...(owner?.get("device_id") === deviceId ? [deleteByToken(provider, token)] : [])];
}

/** Removes the mute of a member who leaves (in the batch that removes the membership). */
export function muteDelete(conversationId: string, userId: string): Statement {
  return { query: "DELETE FROM mutes_by_conversation WHERE conversation_id = ? AND user_id = ?", params: [conversationId, userId] };
}

const deleteByUser = (userId: string, deviceId: string): Statement =>
  ({ query: "DELETE FROM push_endpoints_by_user WHERE user_id = ? AND device_id = ?", params: [userId, deviceId] });
const deleteByToken = (provider: string, token: string): Statement =>
  ({ query: "DELETE FROM push_endpoints_by_token WHERE provider = ? AND push_token = ?", params: [provider, token] });

const toEndpoint = (r: types.Row): PushEndpointRecord => ({
  userId: r.get("user_id"), deviceId: r.get("device_id"), provider: r.get("provider") as PushProviderKind, token: r.get("push_token"),
  ...(r.get("p256dh") ? { p256dh: r.get("p256dh") as string } : {}), ...(r.get("auth") ? { auth: r.get("auth") as string } : {}),
  ...(r.get("apns_sandbox") === true ? { apnsSandbox: true } : {}), registeredAt: r.get("registered_at"),
});
