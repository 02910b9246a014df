import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { type Cursor, ServerFrameSchema, type StreamRequest } from "@chat/gen/chat/v1/live_pb.js";
import type { ControlCommand, ControlPlane } from "../../engines/control/interface.ts";
import type { DeviceSession, SessionMap } from "../../engines/sessions/interface.ts";
import type { Caller } from "../caller.ts";
import type { Membership } from "../conversations/membership.ts";
import { invalidArgument, resourceExhausted } from "../errors.ts";
import type { Messages } from "../messages/messages.ts";
import type { MessageUpdates } from "../messages/updates.ts";
import type { PresenceService } from "../presence/presence.ts";
import type { Receipts } from "../receipts/receipts.ts";
import type { Typing } from "../typing/typing.ts";
import type { TokenLifetime } from "../accounts/token-lifetime.ts";
import { LruMap } from "../lru-map.ts";
import { limits, requireId } from "../validate.ts";
import { Connection } from "./connection.ts";
import type { Hub } from "./hub.ts";
import { RateLimiter } from "./rate-limiter.ts";

/** The most frames the server packs into one response, whatever a client asks for. */
const maxFramesPerResponse = 256;

/** How long a new stream waits for the client's resume before it lets live messages through. */
const resumeWaitMs = 1_000;

/** Client frames of one stream handled at once before the server stops reading that stream. */
const maxFramesInFlight = 64;

/** Devices whose last unary heartbeat time this node remembers (for throttling broadcasts). */
const touchedDevices = 100_000;

/**
 * The sweep's keep-alive, one frame for the life of the node: its bytes are encoded once
 * (frame-bytes.ts caches them under the frame itself) and shared by every idle stream.
 */
const keepAliveFrame = create(ServerFrameSchema, { frame: { case: "keepAlive", value: {} } });

/**
 * Frames handled one after another on a stream: sends and changes of messages (an edit, then a
 * delete, must land in that order), and typing (on, off must not end on).
 */
const orderedFrames = new Set<StreamRequest["frame"]["case"]>(["send", "edit", "delete", "reaction", "typing"]);

/** The client message id of a frame that stores something, for the FrameError that refuses it. */
export function clientMessageIdOf(req: StreamRequest): string {
  const f = req.frame;
  return f.case === "send" || f.case === "edit" || f.case === "delete" || f.case === "reaction" ? f.value.clientMessageId : "";
}

/** A FrameError answering one client frame. */
export function frameError(requestId: string, err: unknown, clientMessageId = "") {
  const { code, rawMessage } = ConnectError.from(err);
  return create(ServerFrameSchema, { requestId, frame: { case: "error", value: { code: code as number, message: rawMessage, clientMessageId } } });
}

/** Tunables of the live path. */
export interface LiveOptions {
  nodeId: string;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  outboxCapacity: number;
  /** Typing frames a device may send per second, with no burst above that (as docs/protocol.md says). */
  typingRate: number;
}

/** The parts of the node the live path drives. */
export interface LiveParts {
  hub: Hub;
  sessions: SessionMap;
  /** Reaches the streams of a device on other nodes (disconnect, heartbeat). */
  control: ControlPlane;
  membership: Membership;
  messages: Messages;
  updates: MessageUpdates;
  receipts: Receipts;
  typing: Typing;
  presence: PresenceService;
  /** Records the use of a streaming device, which keeps its token from expiring. */
  tokens: Pick<TokenLifetime, "noteUse" | "recordEveryMs">;
  /** Reports failures that concern no client (a lost presence update). */
  onError(error: unknown): void;
}

/**
 * Streams of connected devices, bidirectional and server-streaming alike: opening (session map,
 * presence, Ready), the client frames, resume, and the heartbeat clock that closes silent streams.
 */
export class Live {
  private readonly options: LiveOptions;
  private readonly parts: LiveParts;
  private readonly typingLimiter: RateLimiter;
  private readonly sweeper: NodeJS.Timeout;
  /** When each device's unary heartbeat was last passed on to the other nodes. */
  private readonly touched = new LruMap<string, number>(touchedDevices);
  /** Every connection's store reads and close hook: made once here, not a closure pair per stream. */
  private readonly readAfter = (conversationId: string, afterSeq: bigint, limit: number) => this.parts.messages.after(conversationId, afterSeq, limit);
  private readonly released = (connection: Connection) => void this.release(connection);
  /** Logs a stream heartbeat's session refresh that failed (the next heartbeat retries it). */
  private readonly refreshFailed = (err: unknown) => this.parts.onError(new Error("a heartbeat could not refresh its session; the next one retries", { cause: err }));

  constructor(options: LiveOptions, parts: LiveParts) {
    this.options = options;
    this.parts = parts;
    this.typingLimiter = new RateLimiter(options.typingRate, options.typingRate);
    this.sweeper = setInterval(() => this.closeSilent(), Math.min(options.heartbeatIntervalMs, 5_000)).unref();
  }

  /** Opens a stream for a device: registers it, tells contacts it is online, and queues Ready. */
  async open(caller: Caller): Promise<Connection> {
    const { hub, sessions, presence } = this.parts;
    const connection = new Connection({
      caller,
      outboxCapacity: this.options.outboxCapacity,
      stallMs: this.options.heartbeatTimeoutMs / 2, // well before a silent client times out
      fetch: this.readAfter,
      onClose: this.released,
    });
    connection.send(create(ServerFrameSchema, { frame: { case: "ready", value: {
      deviceId: caller.deviceId, userId: caller.userId, serverTime: timestampFromDate(new Date()),
      heartbeatIntervalMs: this.options.heartbeatIntervalMs, heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
    } } }));
    hub.add(connection);
    // A client that does not resume promptly gets messages live from then on.
    setTimeout(() => connection.startLive(), resumeWaitMs).unref();
    if (await sessions.add(this.session(connection))) await presence.announce(caller.userId);
    for (const p of await presence.snapshot(caller.userId)) connection.send(create(ServerFrameSchema, { frame: { case: "presence", value: p } }));
    return connection;
  }

  /**
   * Takes one client frame of a bidirectional stream and resolves as soon as the next may be read:
   * frames are handled side by side, so that a send waiting on a stalled store never holds up the
   * heartbeats behind it. Sends and typing frames keep their order among themselves (typing on, off
   * must not end on); marks only grow, and heartbeats and resumes need no order. At most
   * `maxFramesInFlight` per stream. A heartbeat is done within the call, nothing to wait for
   * (undefined), unless its token's use is due to be recorded.
   */
  receive(connection: Connection, req: StreamRequest): Promise<void> | undefined {
    connection.lastHeartbeat = Date.now(); // any frame proves the client is there
    if (req.frame.case === "heartbeat" && this.beat(connection)) return undefined;
    const ordered = orderedFrames.has(req.frame.case);
    const handling = ordered ? connection.inOrder(() => this.handle(connection, req)) : this.handle(connection, req);
    return connection.admit(handling, maxFramesInFlight);
  }

  /**
   * Handles one client frame of a bidirectional stream. Resolves once the frame is accepted (a send
   * is queued for the store); its answer, ACK or FrameError, is queued on the stream later. Never rejects.
   */
  async handle(connection: Connection, req: StreamRequest): Promise<void> {
    const { caller } = connection;
    connection.lastHeartbeat = Date.now(); // any frame proves the client is there
    if (req.frame.case !== "resume") connection.startLive(); // a client that does something else first is not resuming
    const reply = (frame: MessageInitShape<typeof ServerFrameSchema>["frame"]) => connection.send(create(ServerFrameSchema, { requestId: req.requestId, frame }));
    const fail = (err: unknown, clientMessageId = "") => connection.send(frameError(req.requestId, err, clientMessageId));
    try {
      const f = req.frame;
      switch (f.case) {
        case "send": {
          const { ack } = await this.parts.messages.accept(caller, f.value);
          ack.then((value) => reply({ case: "ack", value }), (err) => fail(err, f.value.clientMessageId));
          return;
        }
        case "edit":
          return reply({ case: "ack", value: (await this.parts.updates.edit(caller, f.value)).ack });
        case "delete":
          return reply({ case: "ack", value: (await this.parts.updates.delete(caller, f.value)).ack });
        case "reaction":
          return reply({ case: "ack", value: (await this.parts.updates.react(caller, f.value)).ack });
        case "markDelivered":
        case "markRead":
          await this.parts.receipts.mark(caller, f.case === "markRead" ? "read" : "delivered", f.value.conversationId, f.value.seq);
          return;
        case "typing":
          return await this.setTyping(caller, f.value.conversationId, f.value.typing);
        case "heartbeat":
          // A stream may outlive the token expiry without another authenticated call: its heartbeats
          // count as use. A failed record is logged, not the heartbeat's failure (the next one retries).
          // The stream remembers when the use was last recorded: until it is due again, no lookup at all.
          if (Date.now() - connection.useRecordedAt >= this.parts.tokens.recordEveryMs) {
            await this.parts.tokens.noteUse(caller.userId, caller.deviceId).then((at) => (connection.useRecordedAt = at), this.parts.onError);
          }
          this.refreshStream(connection);
          return;
        case "resume":
          return await this.resume(connection, f.value.cursors, req.requestId, f.value.maxBatch);
        default:
          throw invalidArgument("empty frame: set one of resume, send, edit, delete, reaction, mark_delivered, mark_read, typing, heartbeat");
      }
    } catch (err) {
      fail(err, clientMessageIdOf(req));
    }
  }

  /**
   * Replays what the client missed, then queues ResumeComplete. `maxBatch` is the client's
   * ResumeRequest.max_batch: a resume that leaves it at 0 keeps what an earlier one asked for.
   */
  async resume(connection: Connection, cursors: readonly Cursor[], requestId = "", maxBatch = 0): Promise<void> {
    if (maxBatch > 0) connection.maxBatch = Math.min(maxBatch, maxFramesPerResponse);
    if (cursors.length > limits.maxCursors) throw invalidArgument(`at most ${limits.maxCursors} cursors`);
    // A conversation the user left (or never had) is skipped with an error of its own: one stale
    // cursor must not cost the client the replay of all the others.
    const allowed: { conversationId: string; seq: bigint }[] = [];
    for (const c of cursors) {
      if (connection.closed) return;
      try {
        requireId(c.conversationId, "cursor conversation_id");
        await this.parts.membership.require(c.conversationId, connection.caller.userId);
        allowed.push({ conversationId: c.conversationId, seq: c.seq });
      } catch (err) {
        await connection.sendWhenRoom(frameError(requestId, err));
      }
    }
    const done = await connection.resume(allowed);
    connection.send(create(ServerFrameSchema, { requestId, frame: { case: "resumeComplete", value: {
      cursors: [...done].map(([conversationId, seq]) => ({ conversationId, seq })),
    } } }));
  }

  /** Typing, rate-limited per device. */
  async setTyping(caller: Caller, conversationId: string, typing: boolean): Promise<void> {
    if (!this.typingLimiter.take(caller.deviceId)) {
      throw resourceExhausted(`too many typing frames: at most ${this.options.typingRate} a second`);
    }
    await this.parts.typing.set(caller, conversationId, typing);
  }

  /**
   * A stream's heartbeat frame, when nothing about it needs an await: the stream's token use was
   * recorded recently (else false: {@link handle} records it first). In the turn the frame was read,
   * with no promise of its own: an idle device's whole cost is its heartbeats.
   */
  private beat(connection: Connection): boolean {
    if (Date.now() - connection.useRecordedAt >= this.parts.tokens.recordEveryMs) return false;
    connection.startLive(); // a client that heartbeats first is not resuming
    this.refreshStream(connection);
    return true;
  }

  /**
   * Refreshes the session of the stream that heartbeated, and of that stream only: every stream
   * heartbeats for itself, so another stream of the device (the one it is replacing, say) lapses
   * unless its own client is still there. A failed refresh is logged, not answered: a heartbeat has
   * no answer, and the next one retries. At most twice per heartbeat interval per stream: a client
   * that heartbeats faster than it is asked to adds no work to the session map.
   */
  private refreshStream(connection: Connection): void {
    const now = Date.now();
    if (now - connection.refreshedAt < this.options.heartbeatIntervalMs / 2) return;
    connection.refreshedAt = now;
    this.parts.sessions.refresh([this.session(connection)]).catch(this.refreshFailed);
  }

  /**
   * Keeps the streams this node holds of a device alive, here and in the session map: a unary call
   * of the device (see {@link touch}), or one on another node.
   */
  async heartbeat(userId: string, deviceId: string): Promise<void> {
    const now = Date.now();
    const sessions: DeviceSession[] = [];
    for (const c of this.parts.hub.ofUser(userId)) {
      if (c.caller.deviceId !== deviceId) continue;
      c.lastHeartbeat = now;
      sessions.push(this.session(c));
    }
    if (sessions.length > 0) await this.parts.sessions.refresh(sessions);
  }

  /**
   * A unary call of a device (a browser's Heartbeat, SendMessage, SetTyping, Mark*): it keeps the
   * device's streams alive wherever they are. The balancer may have sent the call to a node that
   * holds none of them, so the others hear of it through the control plane, at most twice per
   * heartbeat interval per device.
   */
  async touch(caller: Caller): Promise<void> {
    await this.heartbeat(caller.userId, caller.deviceId);
    const key = `${caller.userId}/${caller.deviceId}`;
    const now = Date.now();
    if (now - (this.touched.get(key) ?? 0) < this.options.heartbeatIntervalMs / 2) return;
    this.touched.set(key, now);
    await this.parts.control.publish({ kind: "heartbeat", userId: caller.userId, deviceId: caller.deviceId });
  }

  /** Closes the streams of a device (or of every device of a user, for an empty `deviceId`) on every node. */
  disconnect(userId: string, deviceId: string, reason: string): Promise<void> {
    return this.parts.control.publish({ kind: "disconnect", userId, deviceId, reason });
  }

  /** Acts on a control command from any node, this one included. */
  onControl(command: ControlCommand): void {
    const { hub, membership } = this.parts;
    switch (command.kind) {
      case "disconnect":
        for (const c of [...hub.ofUser(command.userId)]) {
          if (!command.deviceId || c.caller.deviceId === command.deviceId) c.close(new ConnectError(command.reason, Code.Unauthenticated));
        }
        return;
      case "membership":
        membership.invalidate(command.conversationId);
        // A user who lost access stops getting the conversation's messages on this node's streams.
        for (const u of command.removedUserIds) for (const c of hub.ofUser(u)) c.forget(command.conversationId);
        return;
      case "heartbeat":
        this.heartbeat(command.userId, command.deviceId).catch(this.parts.onError);
        return;
    }
  }

  /** Reports a failure that concerns no client (a heartbeat that could not be passed on). */
  reportError(error: unknown): void {
    this.parts.onError(error);
  }

  /** Closes every stream (shutdown): clients reconnect elsewhere and resume. */
  close(): void {
    clearInterval(this.sweeper);
    for (const c of [...this.parts.hub.all()]) c.close(new ConnectError("the server is shutting down; reconnect", Code.Unavailable));
  }

  /**
   * The heartbeat clock's tick: closes silent streams here, reports lapsed ones elsewhere, and sends
   * a keep-alive on streams idle for a heartbeat interval.
   */
  private closeSilent(): void {
    // Devices of crashed nodes lapse from the session map; one node (this one, if first) tells contacts.
    this.parts.sessions.expire().then(
      (users) => Promise.all(users.map((u) => this.parts.presence.announce(u))),
    ).catch(this.parts.onError);
    // Status texts that expired: one node (this one, if first) tells the users' devices and contacts.
    this.parts.sessions.expireStatuses().then((users) => this.parts.presence.announceExpired(users)).catch(this.parts.onError);
    const now = Date.now();
    const deadline = now - this.options.heartbeatTimeoutMs;
    const idle = now - this.options.heartbeatIntervalMs;
    // No copy of the connections: a stream closed here leaves the hub at once, which its sets allow
    // while they are walked (a deleted entry is not visited, the others still are).
    for (const c of this.parts.hub.all()) {
      if (c.lastHeartbeat < deadline) {
        c.close(new ConnectError(`no heartbeat for ${this.options.heartbeatTimeoutMs} ms`, Code.DeadlineExceeded));
      } else if (c.lastSentAt <= idle) {
        c.send(keepAliveFrame);
      }
    }
  }

  private async release(connection: Connection): Promise<void> {
    const { hub, sessions, presence } = this.parts;
    if (!hub.remove(connection)) return;
    try {
      if (await sessions.remove(this.session(connection))) await presence.announce(connection.caller.userId);
    } catch (err) {
      this.parts.onError(err);
    }
  }

  private session(c: Connection): DeviceSession {
    return { userId: c.caller.userId, deviceId: c.caller.deviceId, connectionId: c.id, nodeId: this.options.nodeId };
  }
}
