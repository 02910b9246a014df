import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { ConversationKind, Role } from "@chat/gen/chat/v1/conversation_pb.js";
import { MembershipChange } from "@chat/gen/chat/v1/live_pb.js";
import { type TestUser, newId, openStream, registerUser, startNode } from "./harness.ts";

const codeOf = (p: Promise<unknown>) => p.then(() => "ok" as const, (e) => ConnectError.from(e).code);

describe("conversations", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let owner: TestUser, admin: TestUser, member: TestUser, outsider: TestUser;
  beforeAll(async () => {
    server = await startNode();
    [owner, admin, member, outsider] = await Promise.all([
      registerUser(server, "owner"), registerUser(server, "admin"), registerUser(server, "member"), registerUser(server, "outsider"),
    ]);
  });
  afterAll(async () => server?.close());

  it("has exactly one direct conversation per pair, whoever asks and however often", async () => {
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => owner.clients.conversations.getOrCreateDirect({ userId: member.id })),
      ...Array.from({ length: 5 }, () => member.clients.conversations.getOrCreateDirect({ username: owner.username })),
    ]);
    expect(new Set(results.map((r) => r.conversation!.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results[0]!.conversation!.kind).toBe(ConversationKind.DIRECT);
    expect(await codeOf(owner.clients.conversations.getOrCreateDirect({}))).toBe(Code.InvalidArgument);
    expect(await codeOf(owner.clients.conversations.getOrCreateDirect({ username: "ghost-user" }))).toBe(Code.NotFound);
    const conv = results[0]!.conversation!.id;
    expect(await codeOf(owner.clients.conversations.leaveConversation({ conversationId: conv }))).toBe(Code.FailedPrecondition);
  });

  it("gives each user one note-to-self conversation (direct with oneself), where they can write", async () => {
    const [first, again] = await Promise.all([
      outsider.clients.conversations.getOrCreateDirect({ userId: outsider.id }),
      outsider.clients.conversations.getOrCreateDirect({ username: `@${outsider.username}` }),
    ]);
    expect(first.conversation!.id).toBe(again.conversation!.id);
    expect(first.conversation!.members.map((m) => m.userId)).toEqual([outsider.id]);
    const sent = await outsider.clients.live.sendMessage({ conversationId: first.conversation!.id, clientMessageId: newId(), text: "buy milk" });
    expect(sent.seq).toBe(1n);
    const listed = (await outsider.clients.conversations.listConversations({})).conversations.find((c) => c.id === first.conversation!.id);
    expect(listed?.unreadCount).toBe(0n);
  });

  it("enforces roles in groups and tells members about changes live", async () => {
    const group = (await owner.clients.conversations.createGroup({ name: "ops", memberUsernames: [admin.username, member.username] })).conversation!;
    const id = group.id;
    expect(group.members.find((m) => m.userId === owner.id)?.role).toBe(Role.OWNER);
    const memberStream = await openStream(member);

    expect(await codeOf(member.clients.conversations.addMembers({ conversationId: id, userIds: [outsider.id] }))).toBe(Code.PermissionDenied);
    expect(await codeOf(admin.clients.conversations.setRole({ conversationId: id, userId: member.id, role: Role.ADMIN }))).toBe(Code.PermissionDenied);
    await owner.clients.conversations.setRole({ conversationId: id, userId: admin.id, role: Role.ADMIN });
    expect(await codeOf(admin.clients.conversations.removeMember({ conversationId: id, userId: owner.id }))).toBe(Code.PermissionDenied);

    await admin.clients.conversations.addMembers({ conversationId: id, usernames: [outsider.username] });
    const added = await memberStream.until(() => memberStream.of("membership").find((e) => e.change === MembershipChange.ADDED && e.userIds.includes(outsider.id)));
    expect(added.actorId).toBe(admin.id);
    expect(added.conversation?.members).toHaveLength(4);
    await outsider.clients.live.sendMessage({ conversationId: id, clientMessageId: newId(), text: "hello, I'm in" });

    const outsiderStream = await openStream(outsider);
    await admin.clients.conversations.removeMember({ conversationId: id, userId: outsider.id });
    const removed = await outsiderStream.until(() => outsiderStream.of("membership").find((e) => e.change === MembershipChange.REMOVED));
    expect(removed.conversation?.id).toBe(id);
    expect(removed.conversation?.members).toHaveLength(0);
    expect(await codeOf(outsider.clients.history.listMessages({ conversationId: id }))).toBe(Code.NotFound);
    await owner.clients.live.sendMessage({ conversationId: id, clientMessageId: newId(), text: "after removal" });
    await memberStream.until(() => memberStream.of("message").find((m) => m.text === "after removal"));
    expect(outsiderStream.of("message").map((m) => m.text)).not.toContain("after removal");
    memberStream.close();
    outsiderStream.close();
  });

  it("hands ownership on when the owner leaves", async () => {
    const g = (await owner.clients.conversations.createGroup({ name: "succession", memberIds: [admin.id, member.id] })).conversation!;
    await owner.clients.conversations.setRole({ conversationId: g.id, userId: member.id, role: Role.ADMIN });
    await owner.clients.conversations.leaveConversation({ conversationId: g.id });
    const after = (await member.clients.conversations.getConversation({ conversationId: g.id })).conversation!;
    expect(after.members.map((m) => m.userId)).not.toContain(owner.id);
    expect(after.members.filter((m) => m.role === Role.OWNER)).toHaveLength(1);
    expect(await codeOf(owner.clients.conversations.getConversation({ conversationId: g.id }))).toBe(Code.NotFound);
  });

  it("refuses to let the only owner demote itself without handing over", async () => {
    const g = (await owner.clients.conversations.createGroup({ name: "no orphans", memberIds: [member.id] })).conversation!;
    for (const role of [Role.ADMIN, Role.MEMBER]) {
      const err = await owner.clients.conversations.setRole({ conversationId: g.id, userId: owner.id, role }).catch((e: unknown) => e);
      expect(ConnectError.from(err).code).toBe(Code.FailedPrecondition);
      expect(ConnectError.from(err).rawMessage).toMatch(/only owner.*ROLE_OWNER/);
    }
    // Handing over is the way out: the new owner is the only one, the old one an admin.
    const after = (await owner.clients.conversations.setRole({ conversationId: g.id, userId: member.id, role: Role.OWNER })).conversation!;
    expect(Object.fromEntries(after.members.map((m) => [m.userId, m.role]))).toEqual({ [owner.id]: Role.ADMIN, [member.id]: Role.OWNER });
  });

  it("validates group input", async () => {
    expect(await codeOf(owner.clients.conversations.createGroup({ name: "" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(owner.clients.conversations.createGroup({ name: "x".repeat(101) }))).toBe(Code.InvalidArgument);
    expect(await codeOf(owner.clients.conversations.createGroup({ name: "g", memberIds: ["nope"] }))).toBe(Code.InvalidArgument);
    expect(await codeOf(owner.clients.conversations.createGroup({ name: "g", memberIds: [crypto.randomUUID()] }))).toBe(Code.NotFound);
    expect(await codeOf(owner.clients.conversations.setRole({ conversationId: crypto.randomUUID(), userId: member.id, role: Role.ADMIN }))).toBe(Code.NotFound);
  });
});
