import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { PushEndpointRecord, PushProviderKind } from "../../../push/providers/provider.ts";
import type { MuteRecord, PushSettingsRecord, PushStore } from "../push-store.ts";
import type { Row } from "./statements.ts";
import type { Writer } from "./writes.ts";

/** The push tables' write statements (migration 7), prepared with the others on every connection. */
export function preparePushStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    // The unique (provider, token) index makes a token one device's: registering it elsewhere moves it.
    deleteEndpointByToken: p("DELETE FROM push_endpoints WHERE provider = ? AND token = ?"),
    putEndpoint: p(`INSERT INTO push_endpoints (user_id, device_id, provider, token, p256dh, auth, apns_sandbox, registered_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, device_id) DO UPDATE SET provider = excluded.provider,
      token = excluded.token, p256dh = excluded.p256dh, auth = excluded.auth, apns_sandbox = excluded.apns_sandbox,
      registered_at = excluded.registered_at`),
    deleteEndpoint: p("DELETE FROM push_endpoints WHERE user_id = ? AND device_id = ?"),
    deleteEndpointIfToken: p("DELETE FROM push_endpoints WHERE user_id = ? AND device_id = ? AND token = ?"),
    putSettings: p(`INSERT INTO push_settings (user_id, show_previews) VALUES (?, ?)
      ON CONFLICT (user_id) DO UPDATE SET show_previews = excluded.show_previews`),
    putMute: p(`INSERT INTO mutes_by_conversation (conversation_id, user_id, muted_until) VALUES (?, ?, ?)
      ON CONFLICT (conversation_id, user_id) DO UPDATE SET muted_until = excluded.muted_until`),
    deleteMute: p("DELETE FROM mutes_by_conversation WHERE conversation_id = ? AND user_id = ?"),
  };
}
/** The push statements of one connection. */
type PushStatements = ReturnType<typeof preparePushStatements>;

/** The push writes, run by the store's writer (writes.ts) like every other write. */
export const pushWrites = {
  putPushEndpoint(q: PushStatements, e: PushEndpointRecord): void {
    q.deleteEndpointByToken.run(e.provider, e.token);
    q.putEndpoint.run(e.userId, e.deviceId, e.provider, e.token, e.p256dh ?? null, e.auth ?? null, e.apnsSandbox ? 1 : 0, e.registeredAt.getTime());
  },
  deletePushEndpoint(q: PushStatements, userId: string, deviceId: string, token: string | undefined): boolean {
    return (token === undefined ? q.deleteEndpoint.run(userId, deviceId) : q.deleteEndpointIfToken.run(userId, deviceId, token)).changes > 0;
  },
  putPushSettings(q: PushStatements, userId: string, s: PushSettingsRecord): void {
    q.putSettings.run(userId, s.showPreviews ? 1 : 0);
  },
  setMute(q: PushStatements, m: MuteRecord): void {
    q.putMute.run(m.conversationId, m.userId, m.until?.getTime() ?? null);
  },
  deleteMute(q: PushStatements, conversationId: string, userId: string): void {
    q.deleteMute.run(conversationId, userId);
  },
};

/** Removes the endpoint of a deleted device, in the write that deletes it (writes.ts). */
export function deleteEndpointOfDevice(q: PushStatements, userId: string, deviceId: string): void {
  q.deleteEndpoint.run(userId, deviceId);
}

/** The embedded store's {@link PushStore}: reads on `db`, writes through the store's writer. */
export function createSqlitePushStore(db: DatabaseSync, write: Writer): PushStore {
  const endpointOf = db.prepare("SELECT * FROM push_endpoints WHERE user_id = ? AND device_id = ?");
  const endpointsOf = db.prepare("SELECT * FROM push_endpoints WHERE user_id = ?");
  const settingsOf = db.prepare("SELECT show_previews FROM push_settings WHERE user_id = ?");
  const mutesOf = db.prepare("SELECT * FROM mutes_by_conversation WHERE conversation_id = ?");
  return {
    putPushEndpoint: (e) => write("putPushEndpoint", e),
    async getPushEndpoint(userId, deviceId) {
      const row = endpointOf.get(userId, deviceId);
      return row ? toEndpoint(row) : undefined;
    },
    async listPushEndpoints(userId) {
      return endpointsOf.all(userId).map(toEndpoint);
    },
    deletePushEndpoint: (userId, deviceId, token) => write("deletePushEndpoint", userId, deviceId, token),
    async getPushSettings(userId) {
      return { showPreviews: settingsOf.get(userId)?.show_previews === 1 };
    },
    putPushSettings: (userId, settings) => write("putPushSettings", userId, settings),
    setMute: (m) => write("setMute", m),
    deleteMute: (conversationId, userId) => write("deleteMute", conversationId, userId),
    async listMutes(conversationId) {
      return mutesOf.all(conversationId).map((r) => ({
        conversationId: r.conversation_id as string, userId: r.user_id as string,
        until: r.muted_until === null ? undefined : new Date(Number(r.muted_until)),
      }));
    },
  };
}

const toEndpoint = (r: Row): PushEndpointRecord => ({
  userId: r.user_id as string, deviceId: r.device_id as string, provider: r.provider as PushProviderKind, token: r.token as string,
  ...(r.p256dh !== null ? { p256dh: r.p256dh as string } : {}), ...(r.auth !== null ? { auth: r.auth as string } : {}),
  ...(r.apns_sandbox === 1 ? { apnsSandbox: true } : {}), registeredAt: new Date(Number(r.registered_at)),
});
