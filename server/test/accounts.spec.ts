import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { type TestUser, clientsFor, loginDevice, openStream, registerUser, startNode, transportFor } from "./harness.ts";

const codeOf = (p: Promise<unknown>) => p.then(() => "ok" as const, (e) => ConnectError.from(e).code);

describe("accounts and devices", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let alice: TestUser;
  beforeAll(async () => {
    server = await startNode();
    alice = await registerUser(server, "alice");
  });
  afterAll(async () => server?.close());
  const anon = () => clientsFor(transportFor(server.url, "connect"));

  it("registers, logs in per device, and tells who the token belongs to", async () => {
    const me = await alice.clients.auth.whoAmI({});
    expect(me.user?.username).toBe(alice.username);
    expect(me.deviceId).toBe(alice.deviceId);
    const login = await anon().auth.login({ username: `@${alice.username.toUpperCase()}`, password: "correct horse battery", deviceName: "phone" });
    expect(login.user?.id).toBe(alice.id);
    expect(login.token).not.toBe(alice.token);
    expect(login.token).toMatch(/^chat_/);
  });

  it("refuses bad registrations and logins with precise codes", async () => {
    expect(await codeOf(anon().auth.register({ username: alice.username, password: "long enough pw" }))).toBe(Code.AlreadyExists);
    expect(await codeOf(anon().auth.register({ username: "x", password: "long enough pw" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(anon().auth.register({ username: "no spaces here", password: "long enough pw" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(anon().auth.register({ username: "shortpw", password: "short" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(anon().auth.login({ username: alice.username, password: "wrong password" }))).toBe(Code.Unauthenticated);
    expect(await codeOf(anon().auth.login({ username: "nobody-here", password: "wrong password" }))).toBe(Code.Unauthenticated);
  });

  it("lists devices, and revoking one closes its streams and kills its token", async () => {
    const phone = await loginDevice(server, alice);
    const stream = await openStream(phone);
    const sessions = (await alice.clients.auth.listSessions({})).sessions;
    expect(sessions.map((s) => s.deviceId)).toEqual(expect.arrayContaining([alice.deviceId, phone.deviceId]));
    expect(sessions.find((s) => s.current)?.deviceId).toBe(alice.deviceId);
    await alice.clients.auth.revokeSession({ deviceId: phone.deviceId });
    await stream.until(() => stream.ended !== undefined, 3_000, "the revoked device's stream to close");
    expect(ConnectError.from(stream.ended).code).toBe(Code.Unauthenticated);
    expect(await codeOf(phone.clients.auth.whoAmI({}))).toBe(Code.Unauthenticated);
    expect(await codeOf(alice.clients.auth.revokeSession({ deviceId: phone.deviceId }))).toBe(Code.NotFound);
  });

  it("shows each session's last use; a password change logs the other devices out and closes their streams", async () => {
    const carol = await registerUser(server, "carol");
    const phone = await loginDevice(server, carol);
    const stream = await openStream(phone);
    const sessions = (await carol.clients.auth.listSessions({})).sessions;
    for (const s of sessions) expect(Date.now() - timestampMs(s.lastUsedAt!)).toBeLessThan(60_000);
    expect(await codeOf(carol.clients.auth.changePassword({ currentPassword: "not it", newPassword: "a brand new password" }))).toBe(Code.PermissionDenied);
    expect((await carol.clients.auth.changePassword({ currentPassword: "correct horse battery", newPassword: "a brand new password" })).revokedSessions).toBe(1);
    await stream.until(() => stream.ended !== undefined, 3_000, "the other device's stream to close");
    expect(ConnectError.from(stream.ended).code).toBe(Code.Unauthenticated);
    expect(await codeOf(phone.clients.auth.whoAmI({}))).toBe(Code.Unauthenticated);
    expect((await carol.clients.auth.listSessions({})).sessions.map((s) => s.deviceId)).toEqual([carol.deviceId]);
    expect(await codeOf(anon().auth.login({ username: carol.username, password: "a brand new password" }))).toBe("ok");
  });

  it("logs out only the calling device", async () => {
    const laptop = await loginDevice(server, alice);
    await laptop.clients.auth.logout({});
    expect(await codeOf(laptop.clients.auth.whoAmI({}))).toBe(Code.Unauthenticated);
    expect(await codeOf(alice.clients.auth.whoAmI({}))).toBe("ok");
  });

  it("looks users up by id and username, with presence, and nothing private", async () => {
    const bob = await registerUser(server, "bob");
    const res = await alice.clients.users.getUsers({ userIds: [bob.id], usernames: [`@${alice.username}`] });
    expect(res.users.map((u) => u.username)).toEqual([bob.username, alice.username]);
    expect(res.presence.map((p) => p.userId)).toEqual([bob.id, alice.id]);
    expect(JSON.stringify(res.users)).not.toMatch(/argon2/);
    expect(await codeOf(alice.clients.users.getUsers({ usernames: ["nobody-at-all"] }))).toBe(Code.NotFound);
    expect(await codeOf(alice.clients.users.getUsers({ userIds: ["123"] }))).toBe(Code.InvalidArgument);
  });

  it("searches users by the start of their names, page by page, and refuses bad searches precisely", async () => {
    const [s1, s2, s3] = [await registerUser(server, "srch"), await registerUser(server, "srch"), await registerUser(server, "srch")];
    const page1 = await alice.clients.users.searchUsers({ query: "@SRCH", pageSize: 2 });
    expect(page1.users.map((u) => u.username)).toEqual([s1.username, s2.username]);
    expect(page1.presence.map((p) => p.userId)).toEqual([s1.id, s2.id]);
    const page2 = await alice.clients.users.searchUsers({ query: "srch", pageSize: 2, pageToken: page1.nextPageToken });
    expect(page2.users.map((u) => u.username)).toEqual([s3.username]);
    expect(page2.nextPageToken).toBe("");
    expect(JSON.stringify(page1.users)).not.toMatch(/argon2/);
    expect(await codeOf(alice.clients.users.searchUsers({ query: " @ " }))).toBe(Code.InvalidArgument);
    expect(await codeOf(alice.clients.users.searchUsers({ query: "x".repeat(65) }))).toBe(Code.InvalidArgument);
    expect(await codeOf(alice.clients.users.searchUsers({ query: "srch", pageSize: 51 }))).toBe(Code.InvalidArgument);
    expect(await codeOf(alice.clients.users.searchUsers({ query: "srch", pageToken: "!!not a token!!" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(anon().users.searchUsers({ query: "srch" }))).toBe(Code.Unauthenticated);
  });
});
