import type { types } from "cassandra-driver";
import type { DeviceRecord, Store } from "../interface.ts";
import type { Cql } from "./cql.ts";
import { endpointDeletes } from "./push-tables.ts";

/** What the device tables serve of the {@link Store}. */
type DeviceStore = Pick<Store, "createDevice" | "getDeviceByTokenHash" | "listDevices" | "deleteDevice" | "touchDevice" | "deleteDevicesUnusedSince">;

/**
 * The cluster store's devices: `devices_by_token` (every authenticated call reads it) and
 * `devices_by_user` (sessions list, revocation), written together in logged batches; last use
 * since migration 4.
 */
export function createScyllaDeviceStore(cql: Cql): DeviceStore {
  async function deleteDevice(userId: string, deviceId: string): Promise<DeviceRecord | undefined> {
    const row = (await cql.execute("SELECT * FROM devices_by_user WHERE user_id = ? AND device_id = ?", [userId, deviceId])).first();
    if (!row) return undefined;
    const device = isDevice(row) ? toDevice(row) : undefined;
    await cql.batch([
      ...(device ? [{ query: "DELETE FROM devices_by_token WHERE token_hash = ?", params: [device.tokenHash] }] : []),
      { query: "DELETE FROM devices_by_user WHERE user_id = ? AND device_id = ?", params: [userId, deviceId] },
      // A logged-out device gets no more notifications.
      ...(await endpointDeletes(cql, userId, deviceId)),
    ]);
    return device;
  }

  async function touchDevice(userId: string, deviceId: string, at: Date): Promise<void> {
    const row = (await cql.execute("SELECT token_hash FROM devices_by_user WHERE user_id = ? AND device_id = ?", [userId, deviceId])).first();
    const tokenHash = row?.get("token_hash") as string | null | undefined;
    if (!tokenHash) return;
    await cql.batch([
      { query: "UPDATE devices_by_token SET last_used_at = ? WHERE token_hash = ?", params: [at, tokenHash] },
      { query: "UPDATE devices_by_user SET last_used_at = ? WHERE user_id = ? AND device_id = ?", params: [at, userId, deviceId] },
    ]);
  }

  return {
    async createDevice(d) {
      const lastUsedAt = d.lastUsedAt ?? d.createdAt;
      await cql.batch([
        { query: `INSERT INTO devices_by_token (token_hash, user_id, device_id, device_name, created_at, last_used_at)
            VALUES (?, ?, ?, ?, ?, ?)`, params: [d.tokenHash, d.userId, d.deviceId, d.deviceName, d.createdAt, lastUsedAt] },
        { query: `INSERT INTO devices_by_user (user_id, device_id, device_name, token_hash, created_at, last_used_at)
            VALUES (?, ?, ?, ?, ?, ?)`, params: [d.userId, d.deviceId, d.deviceName, d.tokenHash, d.createdAt, lastUsedAt] },
      ]);
    },
    async getDeviceByTokenHash(tokenHash) {
      const row = (await cql.execute("SELECT * FROM devices_by_token WHERE token_hash = ?", [tokenHash])).first();
      return row && isDevice(row) ? toDevice(row) : undefined;
    },
    async listDevices(userId) {
      const rows = await cql.all("SELECT * FROM devices_by_user WHERE user_id = ?", [userId]);
      return rows.filter(isDevice).map(toDevice).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compare(a.deviceId, b.deviceId));
    },
    deleteDevice,
    touchDevice,
    /**
     * A paged scan of `devices_by_token` (a periodic job, so a full scan rather than an index
     * ScyllaDB lacks). It also removes the remnants a touch racing a revocation leaves, and gives
     * devices from before migration 4 their first recorded use.
     */
    async deleteDevicesUnusedSince(cutoff, limit) {
      const deleted: DeviceRecord[] = [];
      for await (const page of cql.pages("SELECT token_hash, user_id, device_id, created_at, last_used_at FROM devices_by_token")) {
        for (const row of page) {
          if (deleted.length >= limit) return deleted;
          if (!isDevice(row)) {
            await cql.execute("DELETE FROM devices_by_token WHERE token_hash = ?", [row.get("token_hash")]);
            continue;
          }
          const device = toDevice(row);
          if (!device.lastUsedAt) await touchDevice(device.userId, device.deviceId, new Date());
          else if (device.lastUsedAt < cutoff && !(await isBotToken(cql, device.deviceId))) {
            const gone = await deleteDevice(device.userId, device.deviceId);
            if (gone) deleted.push(gone);
          }
        }
      }
      return deleted;
    },
  };
}

/** Bot tokens (with a token scope) never expire from inactivity. */
async function isBotToken(cql: Cql, deviceId: string): Promise<boolean> {
  return (await cql.execute("SELECT device_id FROM token_scopes WHERE device_id = ?", [deviceId])).rowLength > 0;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const toDevice = (r: types.Row): DeviceRecord => ({
  userId: r.get("user_id"), deviceId: r.get("device_id"), deviceName: r.get("device_name"),
  tokenHash: r.get("token_hash"), createdAt: r.get("created_at"), lastUsedAt: r.get("last_used_at") ?? undefined,
});
/**
 * A whole device row, not the last-use cell alone that a touch racing a revocation may leave behind
 * (an UPDATE writes its cells whether or not the row exists): such a remnant is no device.
 */
const isDevice = (r: types.Row): boolean => !!r.get("user_id") && !!r.get("token_hash") && !!r.get("created_at");
