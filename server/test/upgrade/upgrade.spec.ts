import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Client } from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Direction } from "@chat/gen/chat/v1/message_pb.js";
import { cqlMigrations } from "../../src/engines/store/scylla/migrations.ts";
import { sqliteMigrations } from "../../src/engines/store/sqlite/migrations.ts";
import { spawnNode } from "../cluster/node-process.ts";
import { type Clients, type TestUser, clientsFor, registerUser, startNode, transportFor } from "../harness.ts";
import { checkoutRelease, previousRelease } from "./previous-release.ts";

/**
 * Upgrades keep data: a store written by the release before versioned migrations (checked out from
 * git, run as its own process) is opened by this code, which recognises it as schema version 1,
 * applies what is newer, and serves every user, device, conversation, message and receipt as before.
 */
interface Backend {
  /** What the code under test should have recorded after the upgrade. */
  migrations: readonly { version: number; name: string }[];
  /** Flags that point a node at the store. */
  args: string[];
  /** The migrations recorded in the store, read directly. */
  recorded(): Promise<{ version: number; name: string }[]>;
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  const dataDir = mkdtempSync(join(tmpdir(), "chat-upgrade-"));
  return {
    migrations: sqliteMigrations,
    args: ["--data-dir", dataDir],
    async recorded() {
      const db = new DatabaseSync(join(dataDir, "chat.sqlite"), { readOnly: true });
      try {
        return db.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all() as never;
      } finally {
        db.close();
      }
    },
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function cassandraBackend(): Backend {
  const contactPoint = inject("cassandraContactPoint");
  const localDataCenter = inject("cassandraDataCenter");
  const keyspace = `upgrade_${process.pid}_${Date.now() % 1_000_000}`;
  const client = new Client({ contactPoints: [contactPoint], localDataCenter });
  return {
    migrations: cqlMigrations,
    args: ["--scylla-contact-points", contactPoint, "--scylla-datacenter", localDataCenter, "--scylla-keyspace", keyspace],
    async recorded() {
      const rows = (await client.execute(`SELECT version, name FROM ${keyspace}.schema_migrations`)).rows;
      return rows.map((r) => ({ version: r.get("version") as number, name: r.get("name") as string })).sort((a, b) => a.version - b.version);
    },
    async cleanup() {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
      await client.shutdown();
    },
  };
}

/** Everything a set of users can see, in a form that compares across servers. */
async function snapshot(users: Record<string, Clients>) {
  const seen: Record<string, unknown> = {};
  for (const [name, clients] of Object.entries(users)) {
    const me = await clients.auth.whoAmI({});
    const { conversations } = await clients.conversations.listConversations({});
    const views = [];
    for (const c of conversations.sort((a, b) => a.id.localeCompare(b.id))) {
      const page = await clients.history.listMessages({ conversationId: c.id, direction: Direction.FORWARD, limit: 100 });
      views.push({
        id: c.id, kind: c.kind, name: c.name, lastSeq: c.lastSeq, unread: c.unreadCount,
        members: c.members.map((m) => [m.userId, m.role, m.joinedAt?.seconds]).sort(),
        readStates: c.readStates.map((r) => [r.userId, r.deliveredSeq, r.readSeq]).sort(),
        messages: page.messages.map((m) => [m.seq, m.senderId, m.clientMessageId, m.text, m.sentAt?.seconds]),
      });
    }
    seen[name] = { id: me.user?.id, username: me.user?.username, displayName: me.user?.displayName, conversations: views };
  }
  return seen;
}

/** Writes users, a direct and a group conversation, messages and receipts through the API. */
async function writeHistory(url: string): Promise<Record<string, TestUser>> {
  const server = { url };
  const [alice, bob, carol] = [await registerUser(server, "alice"), await registerUser(server, "bob"), await registerUser(server, "carol")];
  const direct = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
  const group = (await alice.clients.conversations.createGroup({ name: "before the upgrade", memberIds: [bob.id, carol.id] })).conversation!.id;
  for (let i = 1; i <= 5; i++) {
    await alice.clients.live.sendMessage({ conversationId: direct, clientMessageId: `d${i}`, text: `direct ${i}` });
    await (i % 2 ? bob : carol).clients.live.sendMessage({ conversationId: group, clientMessageId: `g${i}`, text: `group ${i}` });
  }
  await bob.clients.live.markRead({ conversationId: direct, seq: 3n });
  await carol.clients.live.markDelivered({ conversationId: group, seq: 4n });
  await alice.clients.live.markRead({ conversationId: group, seq: 5n });
  return { alice, bob, carol };
}

describe.each([
  { store: "an SQLite data dir", make: sqliteBackend },
  { store: "a Cassandra keyspace", make: cassandraBackend },
])("upgrading $store written by the previous release", ({ make }) => {
  let release: { dir: string; main: string };
  let backend: Backend;
  beforeAll(() => {
    release = checkoutRelease(previousRelease);
    backend = make();
  });
  afterAll(async () => {
    if (release) rmSync(release.dir, { recursive: true, force: true });
    await backend?.cleanup();
  });

  it("recognises it as version 1, migrates it, and keeps every user, conversation, message and receipt", async () => {
    const old = await spawnNode({ nodeId: "previous-release", main: release.main, args: backend.args });
    let users: Record<string, TestUser>;
    let before: Record<string, unknown>;
    try {
      users = await writeHistory(old.url);
      before = await snapshot(Object.fromEntries(Object.entries(users).map(([k, u]) => [k, u.clients])));
      expect(JSON.stringify(before, (_, v) => (typeof v === "bigint" ? Number(v) : v))).toContain('"group 5"');
    } finally {
      await old.stop();
    }

    const node = await startNode({ args: backend.args });
    try {
      const clientsOf = (u: TestUser) => clientsFor(transportFor(node.url, "grpc", u.token));
      // The devices' tokens from before the upgrade still authenticate, and the data reads the same.
      expect(await snapshot(Object.fromEntries(Object.entries(users).map(([k, u]) => [k, clientsOf(u)])))).toEqual(before);
      // Passwords still verify, and the message log goes on from where it was.
      const anon = clientsFor(transportFor(node.url, "grpc"));
      await anon.auth.login({ username: users.bob!.username, password: "correct horse battery", deviceName: "after" });
      const direct = (await clientsOf(users.alice!).conversations.getOrCreateDirect({ userId: users.bob!.id })).conversation!;
      const ack = await clientsOf(users.bob!).live.sendMessage({ conversationId: direct.id, clientMessageId: "after", text: "after the upgrade" });
      expect(ack.seq).toBe(6n);
      // A resend of a message from before the upgrade is still recognised as the same message.
      const again = await clientsOf(users.alice!).live.sendMessage({ conversationId: direct.id, clientMessageId: "d2", text: "direct 2" });
      expect(again.seq).toBe(2n);
      // Accounts from before the user search are found by it (the CQL migration indexes them).
      const found = await clientsOf(users.alice!).users.searchUsers({ query: users.bob!.username });
      expect(found.users.map((u) => u.id)).toEqual([users.bob!.id]);
    } finally {
      await node.close();
    }
    expect(await backend.recorded()).toEqual(backend.migrations.map((m) => ({ version: m.version, name: m.name })));
  }, 120_000);
});
