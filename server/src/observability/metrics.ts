import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Chat } from "../core/chat.ts";
import { cqlRequests } from "../engines/store/scylla/cql.ts";
import type { HealthMonitor } from "./health-monitor.ts";
import type { Push } from "../push/push.ts";

/** Prometheus metrics of one node, served at /metrics. */
export interface Metrics {
  registry: Registry;
  /** Counts and times every RPC by method and outcome. */
  interceptor: Interceptor;
  /** Counts a call answered before the router (the password gate's refusals), as the interceptor would have. */
  countCall(method: string, code: Code): void;
}

/**
 * Creates the node's metrics: process defaults, RPCs by method and code (unary calls timed; streams
 * counted when they end), open streams, messages by outcome, frames delivered, CQL requests, and
 * whether the node serves. deploy/grafana/ and deploy/prometheus/ use them (a test checks that every
 * name they use is here).
 */
export function createMetrics(chat: Chat, health: HealthMonitor, push?: Pick<Push, "worker" | "trigger">): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const calls = new Counter({
    name: "chat_rpc_total", help: "RPCs handled, by method and Connect code.", labelNames: ["method", "code"], registers: [registry],
  });
  const duration = new Histogram({
    name: "chat_rpc_duration_seconds", help: "Duration of unary RPCs.", labelNames: ["method"], registers: [registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  new Gauge({
    name: "chat_open_streams", help: "Open Stream and Subscribe calls on this node.", registers: [registry],
    collect() { this.set(chat.hub.size); },
  });
  new Gauge({
    name: "chat_cql_requests", help: "CQL requests sent since start, by kind (a batch counts once; 0 on the embedded store).",
    labelNames: ["kind"], registers: [registry],
    collect() { for (const [kind, n] of Object.entries(cqlRequests)) this.set({ kind }, n); },
  });
  // Sends also arrive as frames of the bidirectional Stream, which chat_rpc_total counts once per
  // stream: these count every message, whichever way it came.
  const sent = countedFrom(() => chat.messages.counts);
  new Counter({
    name: "chat_messages_total", help: "Sends by outcome: stored (new message durable), duplicate (a retry of a stored one), unavailable (refused: the store did not answer in time).",
    labelNames: ["outcome"], registers: [registry],
    collect() { for (const [outcome, n] of sent()) this.inc({ outcome }, n); },
  });
  const delivered = countedFrom(() => ({ frames: chat.hub.deliveredFrames }));
  new Counter({
    name: "chat_deliveries_total", help: "Frames (messages, receipts, typing, presence) queued on this node's streams.", registers: [registry],
    collect() { for (const [, n] of delivered()) this.inc(n); },
  });
  if (push) {
    const pushed = countedFrom(() => ({ ...push.worker.counts, ...push.trigger.counts }));
    new Counter({
      name: "chat_push_total",
      help: "Push notifications by outcome: enqueued (per recipient), full (over a user's bound), sent (per endpoint), cancelled (user back online, muted or DND), gone (endpoint removed), retried, dropped.",
      labelNames: ["outcome"], registers: [registry],
      collect() { for (const [outcome, n] of pushed()) this.inc({ outcome }, n); },
    });
  }
  new Gauge({
    name: "chat_serving", help: "1 while the node serves, 0 while it drains or cannot reach its store or Redis (as grpc.health.v1 and /healthz).",
    registers: [registry],
    collect() { this.set(health.health.serving ? 1 : 0); },
  });
  const interceptor: Interceptor = (next) => async (req) => {
    const method = req.method.name;
    const end = req.stream ? undefined : duration.startTimer({ method });
    try {
      const res = await next(req);
      calls.inc({ method, code: "ok" });
      return res;
    } catch (err) {
      calls.inc({ method, code: Code[ConnectError.from(err).code] });
      throw err;
    } finally {
      end?.();
    }
  };
  return { registry, interceptor, countCall: (method, code) => calls.inc({ method, code: Code[code] }) };
}

/** Reads monotonic counts kept elsewhere and yields what each grew by since the last read (what a Counter adds). */
function countedFrom(read: () => Record<string, number>): () => [string, number][] {
  const seen: Record<string, number> = {};
  return () => Object.entries(read()).map(([key, n]) => {
    const grew = n - (seen[key] ?? 0);
    seen[key] = n;
    return [key, grew];
  });
}
