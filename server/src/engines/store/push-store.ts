import type { PushEndpointRecord } from "../../push/providers/provider.ts";

/**
 * What push notifications keep in the store (push.proto): each device's endpoint, each user's
 * settings, and each member's mute of a conversation. Both stores implement it and pass
 * `push-contract.spec.ts`.
 *
 * Endpoints follow their device: `deleteDevice` and `deleteDevicesUnusedSince` (logout, revocation,
 * a password change, idle expiry) remove the device's endpoint with it.
 */
export interface PushStore {
  /**
   * Stores a device's endpoint, replacing the one it had. A (provider, token) belongs to one device:
   * the same token registered before by another device (of any user) is removed from there.
   */
  putPushEndpoint(endpoint: PushEndpointRecord): Promise<void>;
  /** The endpoint of one device, if it registered one. */
  getPushEndpoint(userId: string, deviceId: string): Promise<PushEndpointRecord | undefined>;
  /** Every endpoint of a user's devices, in no particular order. */
  listPushEndpoints(userId: string): Promise<PushEndpointRecord[]>;
  /**
   * Removes a device's endpoint; with `token`, only while the device still has that token (a push
   * service's "gone" for an old token must not remove the one registered since). Resolves whether
   * one was removed.
   */
  deletePushEndpoint(userId: string, deviceId: string, token?: string): Promise<boolean>;
  /** A user's settings; the defaults (previews off) when never set. */
  getPushSettings(userId: string): Promise<PushSettingsRecord>;
  /** Replaces a user's settings. */
  putPushSettings(userId: string, settings: PushSettingsRecord): Promise<void>;
  /** Mutes a conversation for a member (replacing an earlier mute), or unmutes it (`until` null). */
  setMute(mute: MuteRecord): Promise<void>;
  /** Removes a member's mute (unmuting). */
  deleteMute(conversationId: string, userId: string): Promise<void>;
  /** The mutes of a conversation's members, expired ones included (readers compare `until` with now). */
  listMutes(conversationId: string): Promise<MuteRecord[]>;
}

/** How a user wants to be notified (push.proto's PushSettings). */
export interface PushSettingsRecord {
  /** True to put message text in notifications. */
  showPreviews: boolean;
}

/** A member's mute of a conversation. */
export interface MuteRecord {
  conversationId: string;
  userId: string;
  /** When the mute ends by itself; undefined while it lasts until undone. */
  until: Date | undefined;
}

/** Whether a mute holds at `now`. */
export function muteHolds(mute: MuteRecord | undefined, now: Date): boolean {
  return !!mute && (mute.until === undefined || mute.until > now);
}
