import { create } from "@bufbuild/protobuf";
import type { ReadState } from "@chat/gen/chat/v1/conversation_pb.js";
import { ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { Store } from "../../engines/store/interface.ts";
import type { Caller } from "../caller.ts";
import type { Membership } from "../conversations/membership.ts";
import { toReadState } from "../convert.ts";
import { invalidArgument } from "../errors.ts";
import { LruMap } from "../lru-map.ts";
import type { Dispatcher } from "../live/dispatcher.ts";

/** Marks (per conversation and user) this node remembers having published. */
const marksRemembered = 50_000;

/** Which mark a receipt moves. Read implies delivered. */
export type Mark = "delivered" | "read";

/** The marks of one user in one conversation asked for during one event-loop turn, written together. */
interface TurnMarks {
  conversationId: string;
  userId: string;
  deliveredSeq: number;
  readSeq: number;
  /** Whom the change is published to (the member list the last of the marks was checked against). */
  memberIds: string[];
  /** Resolves with the marks after the write (and the publish, when they moved). */
  done: Promise<ReadState>;
}

/**
 * Delivered and read marks. They only grow; every change reaches all members, the marking user's
 * other devices included (a message read on the phone is read on the laptop).
 */
export class Receipts {
  private readonly store: Store;
  private readonly membership: Membership;
  private readonly dispatcher: Dispatcher;
  /** The last marks published per conversation and user, "delivered/read". */
  private readonly published = new LruMap<string, string>(marksRemembered);
  /**
   * Marks asked for in the current turn, by "conversation/user": a client marks each message it gets
   * delivered and then read, and both frames mostly arrive in one read of the stream. Written and
   * published once per turn, they cost one store write and one frame to each member's devices
   * instead of two. Holds entries for one turn only: bounded by the frames read in a turn.
   */
  private readonly thisTurn = new Map<string, TurnMarks>();

  constructor(store: Store, membership: Membership, dispatcher: Dispatcher) {
    this.store = store;
    this.membership = membership;
    this.dispatcher = dispatcher;
  }

  /** Raises the caller's mark to `seq`; InvalidArgument for a seq no message has yet. */
  async mark(caller: Caller, mark: Mark, conversationId: string, seq: bigint): Promise<ReadState> {
    const members = await this.membership.require(conversationId, caller.userId);
    if (seq < 1n) throw invalidArgument("seq must be at least 1");
    const conversation = await this.store.getConversation(conversationId);
    const last = BigInt(conversation?.lastSeq ?? 0);
    if (seq > last) throw invalidArgument(`seq ${seq} is beyond the newest message of the conversation (${last})`);
    const key = `${conversationId}/${caller.userId}`;
    let turn = this.thisTurn.get(key);
    if (!turn) {
      const created: TurnMarks = {
        conversationId, userId: caller.userId, deliveredSeq: 0, readSeq: 0, memberIds: [],
        done: new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          this.thisTurn.delete(key);
          return this.write(key, created);
        }),
      };
      this.thisTurn.set(key, (turn = created));
    }
    turn.deliveredSeq = Math.max(turn.deliveredSeq, Number(seq));
    if (mark === "read") turn.readSeq = Math.max(turn.readSeq, Number(seq));
    turn.memberIds = members.map((m) => m.userId);
    return turn.done;
  }

  /** Writes a turn's marks and publishes them when they moved; resolves the marks as they are then. */
  private async write(key: string, turn: TurnMarks): Promise<ReadState> {
    const { conversationId, userId, deliveredSeq, readSeq } = turn;
    const state = toReadState(await this.store.advanceReadState({ conversationId, userId, deliveredSeq, readSeq }));
    // Published only when the marks moved: clients mark every message they get, and a mark already
    // reached (or passed, by another device) would cost every member's devices a frame for nothing.
    // A node that does not remember the last marks (restart, eviction) publishes them again.
    const marks = `${state.deliveredSeq}/${state.readSeq}`;
    if (this.published.get(key) === marks) return state;
    this.published.set(key, marks);
    await this.dispatcher.publish(turn.memberIds, create(ServerFrameSchema, {
      frame: { case: "receipt", value: { conversationId, state } },
    }));
    return state;
  }
}
