import type { ControlCommand } from "../interface.ts";

/**
 * The bytes of one control command on the Redis channel: JSON, checked field by field on the way
 * in, so that a malformed payload (another version, a stray publisher) is refused whole rather than
 * acted on in part.
 */
export function encodeCommand(command: ControlCommand): string {
  return JSON.stringify(command);
}

/** Reads what {@link encodeCommand} wrote; throws on anything else. */
export function decodeCommand(payload: string): ControlCommand {
  const value: unknown = JSON.parse(payload);
  if (typeof value !== "object" || value === null) throw new Error("control command is not an object");
  const v = value as Record<string, unknown>;
  const text = (name: string): string => {
    if (typeof v[name] !== "string") throw new Error(`control command "${String(v.kind)}" lacks the string field ${name}`);
    return v[name];
  };
  switch (v.kind) {
    case "disconnect":
      return { kind: "disconnect", userId: text("userId"), deviceId: text("deviceId"), reason: text("reason") };
    case "membership": {
      const removed = v.removedUserIds;
      if (!Array.isArray(removed) || !removed.every((u) => typeof u === "string")) throw new Error("control command \"membership\" lacks removedUserIds");
      return { kind: "membership", conversationId: text("conversationId"), removedUserIds: removed };
    }
    case "heartbeat":
      return { kind: "heartbeat", userId: text("userId"), deviceId: text("deviceId") };
    default:
      throw new Error(`unknown control command kind ${JSON.stringify(v.kind)}`);
  }
}
