import type { MemberRecord, Role } from "../../engines/store/interface.ts";

const rank: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

/** Admins remove members; owners remove anyone. */
export function canRemove(actor: Role, target: Role): boolean {
  return actor === "owner" || (actor === "admin" && rank[target] < rank.admin);
}

/** Only the owner changes roles. */
export function canChangeRole(actor: Role): boolean {
  return actor === "owner";
}

/** Who becomes owner when the owner leaves: the oldest admin, else the oldest member. */
export function nextOwner(remaining: readonly MemberRecord[]): MemberRecord | undefined {
  const byAge = [...remaining].sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime());
  return byAge.find((m) => m.role === "admin") ?? byAge[0];
}

/** True when `userId` is an owner and no other member is: the group would have no owner without them. */
export function lastOwner(members: readonly MemberRecord[], userId: string): boolean {
  const owners = members.filter((m) => m.role === "owner");
  return owners.length === 1 && owners[0]!.userId === userId;
}
