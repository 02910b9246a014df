import type { ServerFrame } from "@chat/gen/chat/v1/live_pb.js";
import type { Broker, Delivery } from "../../engines/broker/interface.ts";
import type { SessionMap } from "../../engines/sessions/interface.ts";
import { TurnBatches } from "../../engines/turn-batches.ts";
import { activeTracer, currentTraceparent, inRemoteSpan, inSpan } from "../../observability/tracing.ts";
import type { Hub } from "./hub.ts";

/**
 * Fan-out: finds, through the session map, the nodes where recipients are connected, delivers to
 * this node's hub directly and to other nodes through the broker. Deliveries for other nodes made
 * in the same event-loop turn go out as one publish per node.
 */
export class Dispatcher {
  private readonly nodeId: string;
  private readonly sessions: SessionMap;
  private readonly broker: Broker;
  private readonly hub: Hub;
  private readonly outgoing = new TurnBatches<Delivery>((node, deliveries) => this.broker.publish(node, deliveries).catch(this.onError));
  /** Called for every frame delivered on this node, before the hub gets it (cache invalidation). */
  onDeliver: (frame: ServerFrame) => void = () => {};
  /** Called when a publish fails (the session map or the broker is unreachable). */
  onError: (error: unknown) => void = () => {};

  constructor(nodeId: string, sessions: SessionMap, broker: Broker, hub: Hub) {
    this.nodeId = nodeId;
    this.sessions = sessions;
    this.broker = broker;
    this.hub = hub;
  }

  /** Starts taking deliveries addressed to this node from the broker. */
  start(): Promise<void> {
    return this.broker.subscribe(this.nodeId, (deliveries) => {
      // A delivery made while tracing was on carries its trace: its span here joins the sender's.
      for (const d of deliveries) {
        if (d.traceparent) this.deliverTraced(d, d.traceparent);
        else this.deliverLocal(d.userIds, d.frame);
      }
    });
  }

  /**
   * Sends a frame to every connected device of the given users, wherever they are connected. Never
   * fails: what it could not deliver (the session map is down) is reported to `onError`, and clients
   * get the messages from the store when they resume, so a durable write is never failed for it.
   */
  publish(userIds: readonly string[], frame: ServerFrame): Promise<void> {
    // Tested here, and the closures live in methods of their own, so that tracing off allocates
    // nothing per message: V8 allocates a function's closure context on entry, taken branch or not.
    return activeTracer() ? this.fanOutTraced(userIds, frame) : this.fanOut(userIds, frame);
  }

  private fanOutTraced(userIds: readonly string[], frame: ServerFrame): Promise<void> {
    return inSpan("chat.fanout", () => this.fanOut(userIds, frame));
  }

  private deliverTraced(delivery: Delivery, traceparent: string): void {
    inRemoteSpan("chat.deliver", traceparent, () => this.deliverLocal(delivery.userIds, delivery.frame));
  }

  private async fanOut(userIds: readonly string[], frame: ServerFrame): Promise<void> {
    if (userIds.length === 0) return;
    let nodes: Map<string, string[]>;
    try {
      nodes = await this.sessions.locate(userIds);
    } catch (err) {
      this.onError(err);
      return;
    }
    for (const [nodeId, users] of nodes) {
      if (nodeId === this.nodeId) this.deliverLocal(users, frame);
      else this.outgoing.add(nodeId, withTrace({ userIds: users, frame }));
    }
  }

  private deliverLocal(userIds: readonly string[], frame: ServerFrame): void {
    this.onDeliver(frame);
    this.hub.deliver(userIds, frame);
  }
}

/** The delivery with the current trace context when tracing is on (the same object when off). */
function withTrace(delivery: Delivery): Delivery {
  const traceparent = currentTraceparent();
  return traceparent ? { ...delivery, traceparent } : delivery;
}
