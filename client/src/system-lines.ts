import { ConversationKind, Role } from "@chat/gen/chat/v1/conversation_pb.js";
import { MembershipChange, type MembershipEvent } from "@chat/gen/chat/v1/live_pb.js";
import { displayName } from "./chat-selectors.ts";
import type { ChatState } from "./chat-state.ts";
import type { ShownSystemEvent } from "./shown-message.ts";

/**
 * A line in a conversation that nobody wrote: "@alice added @bob", "@bob left". Made from the
 * MembershipEvent frames seen live (the server keeps no history of them), placed after the newest
 * message known when it came.
 */
export interface SystemLine {
  /** Shown after the message with this seq (0: before the first). */
  afterSeq: bigint;
  /** When it was seen, ms since the epoch. */
  at: number;
  change: "added" | "removed" | "left" | "role";
  actorId: string;
  userIds: string[];
  /** For "role": the new role of `userIds`, as the conversation in the event says. */
  role?: string;
  /** The conversation is a group ("created the group") rather than a direct one ("started the conversation"). */
  group: boolean;
}

/** System lines kept per conversation: the oldest go first (they are not history, only context). */
export const maxSystemLines = 50;

const changes: Partial<Record<MembershipChange, SystemLine["change"]>> = {
  [MembershipChange.ADDED]: "added", [MembershipChange.REMOVED]: "removed", [MembershipChange.LEFT]: "left", [MembershipChange.ROLE_CHANGED]: "role",
};
const roles: Partial<Record<Role, string>> = { [Role.OWNER]: "owner", [Role.ADMIN]: "admin", [Role.MEMBER]: "member" };

/** The line a membership event makes, or undefined for one that says nothing to show. */
export function systemLineOf(event: MembershipEvent, afterSeq: bigint, at: number): SystemLine | undefined {
  const change = changes[event.change];
  if (!change || event.userIds.length === 0) return undefined;
  const member = event.conversation?.members.find((m) => m.userId === event.userIds[0]);
  const role = change === "role" && member ? roles[member.role] : undefined;
  const group = event.conversation?.kind === ConversationKind.GROUP;
  return { afterSeq, at, change, actorId: event.actorId, userIds: [...event.userIds], group, ...(role ? { role } : {}) };
}

/** "@alice added @bob and @carol", "@alice created the group with you", "you left", "@alice made @bob admin". */
export function systemLineText(state: ChatState, line: SystemLine): string {
  const name = (id: string) => (id === state.me ? "you" : displayName(state, id));
  const list = (ids: string[]) => {
    const names = ids.map(name);
    return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  };
  const actor = name(line.actorId);
  const others = line.userIds.filter((id) => id !== line.actorId);
  switch (line.change) {
    case "added":
      // The creation of a conversation announces its creator among those added.
      if (line.userIds.includes(line.actorId)) {
        const what = line.group ? "created the group" : "started the conversation";
        return others.length ? `${actor} ${what} with ${list(others)}` : `${actor} ${what}`;
      }
      return `${actor} added ${list(others)}`;
    case "removed":
      return `${actor} removed ${list(others)}`;
    case "left":
      return `${list(line.userIds)} left`;
    case "role":
      return `${actor} made ${list(line.userIds)} ${line.role ?? "a new role"}`;
  }
}

/**
 * The line of a system event the server wrote into the stream (SystemEvent): the same words as the
 * line a membership frame makes, so both clients say it one way.
 */
export function systemEventText(state: ChatState, event: ShownSystemEvent): string {
  return systemLineText(state, lineOfEvent(event));
}

/**
 * True when a line made from a membership frame tells the same as a system event of the stream:
 * a server that writes system events also sends the frame, and the line must show once.
 */
export function sameEvent(line: SystemLine, event: ShownSystemEvent): boolean {
  const other = lineOfEvent(event);
  const others = (l: Pick<SystemLine, "userIds" | "actorId">) => [...new Set(l.userIds.filter((id) => id !== l.actorId))].sort().join();
  return line.change === other.change && line.actorId === other.actorId && others(line) === others(other);
}

/** A system event as the line it reads like (a creation is the creator adding the first members). */
function lineOfEvent(event: ShownSystemEvent): SystemLine {
  const change = event.kind === "created" ? "added" : event.kind;
  const userIds = event.kind === "created" ? [event.actorId, ...event.userIds.filter((id) => id !== event.actorId)] : event.userIds;
  return { afterSeq: 0n, at: 0, change, actorId: event.actorId, userIds, group: true };
}
