import { type Client, ConnectError, createClient } from "@connectrpc/connect";
import { LiveSession } from "@chat/client";
import { Direction } from "@chat/gen/chat/v1/message_pb.js";
import { SearchService } from "@chat/gen/chat/v1/search_pb.js";
import { type Clients, clientsFor, registerUser, transportFor } from "../../harness.ts";
import type { ClusterRig } from "./cluster-rig.ts";

/** One device of the load: a user whose client library session talks to one node, or to nginx. */
export interface LoadDevice {
  userId: string;
  /** Where its calls go: a node's URL, or the balancer's. */
  via: string;
  clients: Clients;
  /** SearchService on the same node (or balancer). */
  search: Client<typeof SearchService>;
  session: LiveSession;
  /** Messages as the application saw them, per conversation, in arrival order. */
  received: Map<string, { seq: bigint; clientMessageId: string }[]>;
}

/** One send of the load and what became of it. */
export interface SendRecord {
  conversationId: string;
  clientMessageId: string;
  sender: string;
  issuedAt: number;
  ackedAt?: number;
  seq?: bigint;
  /** Set when the client library gave up on it (a refusal that is not transient). */
  failed?: string;
}

/** A conversation of the load and the users in it. */
export interface LoadConversation {
  id: string;
  kind: "direct" | "group";
  members: string[];
}

/** Options of {@link startChatLoad}. */
export interface ChatLoadOptions {
  /** Users (one device each), spread round-robin over the nodes; the last third go through nginx. */
  users?: number;
  /** Each user sends one message every this many ms, alternating its direct and group conversations. */
  intervalMs?: number;
  /** A user with this many sends not yet ACKed waits before sending more (a client's outbox). */
  maxPending?: number;
}

/**
 * Steady direct and group traffic from real client-library sessions on every node, recording every
 * send (issued, ACKed with which seq) and every message each device's application was handed.
 * Sessions reconnect and resume on their own, and retry unACKed sends with the same id, as real
 * clients do: the fault suite judges the cluster by what those clients end up with.
 */
export class ChatLoad {
  readonly devices: LoadDevice[];
  readonly conversations: LoadConversation[];
  readonly sends: SendRecord[] = [];
  private readonly options: Required<ChatLoadOptions>;
  private timer: NodeJS.Timeout | undefined;
  private turn = 0;

  constructor(devices: LoadDevice[], conversations: LoadConversation[], options: Required<ChatLoadOptions>) {
    this.devices = devices;
    this.conversations = conversations;
    this.options = options;
  }

  /** Device-messages handed to applications so far (every member device counts). */
  get delivered(): number {
    let n = 0;
    for (const d of this.devices) for (const list of d.received.values()) n += list.length;
    return n;
  }

  /** Starts sending (idempotent). */
  run(): void {
    if (this.timer) return;
    // One timer for all users, each tick one user: the load stays even whatever the event loop does.
    const tick = Math.max(1, Math.floor(this.options.intervalMs / this.devices.length));
    this.timer = setInterval(() => this.sendOne(), tick);
  }

  /** Stops issuing new sends; those in flight go on until ACKed. */
  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Waits until every send is ACKed (or given up), failing after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    await waitFor(() => this.sends.every((s) => s.ackedAt !== undefined || s.failed !== undefined), timeoutMs,
      () => `${this.sends.filter((s) => s.ackedAt === undefined && s.failed === undefined).length} sends still unACKed`);
  }

  /** Waits until every member device has been handed every ACKed message's seq, or `timeoutMs` passes. */
  async converged(timeoutMs: number): Promise<void> {
    const heads = new Map<string, bigint>();
    for (const s of this.sends) if (s.seq !== undefined && s.seq > (heads.get(s.conversationId) ?? 0n)) heads.set(s.conversationId, s.seq);
    const behind = () => this.conversations.flatMap((c) => this.membersOf(c).filter((d) => {
      const list = d.received.get(c.id) ?? [];
      return (list.at(-1)?.seq ?? 0n) < (heads.get(c.id) ?? 0n);
    }).map((d) => `${d.userId}@${c.id}`));
    await waitFor(() => behind().length === 0, timeoutMs, () => `devices behind: ${behind().slice(0, 5).join(", ")}`);
  }

  /** The member devices of a conversation. */
  membersOf(c: LoadConversation): LoadDevice[] {
    return this.devices.filter((d) => c.members.includes(d.userId));
  }

  /** Every stored message of a conversation, oldest first, as its first member reads it. */
  async stored(c: LoadConversation): Promise<{ seq: bigint; clientMessageId: string }[]> {
    const reader = this.membersOf(c)[0]!.clients;
    const conversationId = c.id;
    const out: { seq: bigint; clientMessageId: string }[] = [];
    for (let anchor = 0n; ;) {
      const page = await reader.history.listMessages({ conversationId, anchorSeq: anchor, direction: Direction.FORWARD, limit: 500 });
      out.push(...page.messages.map((m) => ({ seq: m.seq, clientMessageId: m.clientMessageId })));
      if (!page.hasMore || page.messages.length === 0) return out;
      anchor = page.messages.at(-1)!.seq;
    }
  }

  /** The client message ids a search for "load" (a word of every send) finds in a conversation, as its first member searches. */
  async found(c: LoadConversation): Promise<Set<string>> {
    const searcher = this.membersOf(c)[0]!.search;
    const out = new Set<string>();
    for (let pageToken = ""; ;) {
      const page = await searcher.searchMessages({ query: "load", conversationId: c.id, pageSize: 100, pageToken });
      for (const hit of page.hits) out.add(hit.message!.clientMessageId);
      if (!page.nextPageToken) return out;
      pageToken = page.nextPageToken;
    }
  }

  /** Closes every session. */
  async close(): Promise<void> {
    this.pause();
    await Promise.all(this.devices.map((d) => d.session.close()));
  }

  private sendOne(): void {
    const device = this.devices[this.turn % this.devices.length]!;
    const own = this.conversations.filter((c) => c.members.includes(device.userId));
    const conversation = own[Math.floor(this.turn / this.devices.length) % own.length]!;
    this.turn++;
    if (device.session.pendingSends >= this.options.maxPending) return;
    const record: SendRecord = {
      conversationId: conversation.id, clientMessageId: crypto.randomUUID(), sender: device.userId, issuedAt: Date.now(),
    };
    this.sends.push(record);
    device.session.send(conversation.id, `load ${this.sends.length}`, record.clientMessageId).then((ack) => {
      record.ackedAt = Date.now();
      record.seq = ack.seq;
    }, (err: unknown) => {
      record.failed = ConnectError.from(err).message;
    });
  }
}

/**
 * Registers the users, creates a direct conversation between each user and the next and one group
 * of everyone, and connects every device; resolves once every session is online.
 */
export async function startChatLoad(rig: ClusterRig, options: ChatLoadOptions = {}): Promise<ChatLoad> {
  const settings: Required<ChatLoadOptions> = { users: 9, intervalMs: 300, maxPending: 20, ...options };
  const n = settings.users;
  const viaOf = (i: number) => (i >= n - Math.floor(n / 3) ? rig.balancer.url : rig.nodes[i % rig.nodes.length]!.url);
  const users = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const u = await registerUser({ url: viaOf(i) }, `f${i}x`);
    const transport = transportFor(viaOf(i), "grpc", u.token);
    return { ...u, via: viaOf(i), clients: clientsFor(transport), search: createClient(SearchService, transport) };
  }));
  const conversations: LoadConversation[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b] = [users[i]!, users[(i + 1) % n]!];
    const res = await a.clients.conversations.getOrCreateDirect({ userId: b.id });
    conversations.push({ id: res.conversation!.id, kind: "direct", members: [a.id, b.id] });
  }
  const group = await users[0]!.clients.conversations.createGroup({ name: "faults", memberIds: users.slice(1).map((u) => u.id) });
  conversations.push({ id: group.conversation!.id, kind: "group", members: users.map((u) => u.id) });

  const devices = users.map((u): LoadDevice => {
    const received = new Map<string, { seq: bigint; clientMessageId: string }[]>();
    const session = new LiveSession({ clients: u.clients, backoff: { baseMs: 100, capMs: 1_000 }, replayUnknown: 1_000_000 });
    session.on("message", (m) => {
      const list = received.get(m.conversationId) ?? [];
      received.set(m.conversationId, list);
      list.push({ seq: m.seq, clientMessageId: m.clientMessageId });
    });
    return { userId: u.id, via: u.via, clients: u.clients, search: u.search, session: session.start(), received };
  });
  await waitFor(() => devices.every((d) => d.session.state === "online"), 20_000, () => "sessions not online");
  return new ChatLoad(devices, conversations, settings);
}

/** Polls `ok` every 50 ms until it holds, or throws with `why()` after `timeoutMs`. */
export async function waitFor(ok: () => boolean, timeoutMs: number, why: () => string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !ok(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${why()}`);
  }
}
