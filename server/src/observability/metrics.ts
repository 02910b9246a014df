import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Chat } from "../core/chat.ts";
import { cqlRequests } from "../engines/store/scylla/cql.ts";

/** Prometheus metrics of one node, served at /metrics. */
export interface Metrics {
  registry: Registry;
  /** Counts and times every RPC by method and outcome. */
  interceptor: Interceptor;
}

/**
 * Creates the node's metrics: process defaults, RPCs by method and code (unary calls timed; streams
 * counted when they end), and the number of open streams.
 */
export function createMetrics(chat: Chat): Metrics {
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
  return { registry, interceptor };
}
