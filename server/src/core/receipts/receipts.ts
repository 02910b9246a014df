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
    const state = toReadState(await this.store.advanceReadState({
      conversationId, userId: caller.userId, deliveredSeq: Number(seq), readSeq: mark === "read" ? Number(seq) : 0,
    }));
    // Published only when the marks moved: clients mark every message they get, and a mark already
    // reached (or passed, by another device) would cost every member's devices a frame for nothing.
    // A node that does not remember the last marks (restart, eviction) publishes them again.
    const key = `${conversationId}/${caller.userId}`;
    const marks = `${state.deliveredSeq}/${state.readSeq}`;
    if (this.published.get(key) === marks) return state;
    this.published.set(key, marks);
    await this.dispatcher.publish(members.map((m) => m.userId), create(ServerFrameSchema, {
      frame: { case: "receipt", value: { conversationId, state } },
    }));
    return state;
  }
}
