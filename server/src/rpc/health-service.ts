import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status } from "@chat/gen/grpc/health/v1/health_pb.js";
import type { Health as NodeHealth, HealthMonitor } from "../observability/health-monitor.ts";
import { notFound } from "../core/errors.ts";

/**
 * The health service name a liveness probe asks for: SERVING whenever the process answers at all,
 * draining or not, engines reachable or not. A node that cannot reach its store is not ready (it gets
 * no traffic) but restarting it would not bring the store back, only every node's streams down at
 * once; so Kubernetes' liveness probe asks for this name and its readiness probe for "" (deploy/k8s/).
 */
export const livenessService = "liveness";

/**
 * grpc.health.v1.Health, the standard health service (what Kubernetes' gRPC probes, Envoy and
 * grpc-health-probe call). `service` is "" for the node as a whole or the full name of one of
 * `services`; every one shares the node's health, since each needs the same engines
(except {@link livenessService}).
 * https://github.com/grpc/grpc/blob/master/doc/health-checking.md
 */
export function registerHealthService(router: ConnectRouter, monitor: HealthMonitor, services: readonly string[]): void {
  const known = new Set(["", ...services, Health.typeName, livenessService]);
  const status = (health: NodeHealth, service = "") =>
    (health.serving || service === livenessService ? Status.SERVING : Status.NOT_SERVING);
  router.service(Health, {
    check(req) {
      if (!known.has(req.service)) throw notFound(`unknown service "${req.service}"; known: ${services.join(", ")}`);
      return { status: status(monitor.health, req.service) };
    },
    list() {
      return { statuses: Object.fromEntries([...known].map((name) => [name, { status: status(monitor.health, name) }])) };
    },
    async *watch(req, ctx) {
      // The protocol wants an unknown service watched, not refused: it may appear later (not here).
      if (!known.has(req.service)) {
        yield { status: Status.SERVICE_UNKNOWN };
        await aborted(ctx);
        return;
      }
      for await (const health of changes(monitor, ctx)) yield { status: status(health, req.service) };
    },
  });
}

/** The monitor's health now and after each change, until the call ends. */
async function* changes(monitor: HealthMonitor, ctx: HandlerContext): AsyncGenerator<NodeHealth> {
  let wake: (() => void) | undefined;
  let pending: NodeHealth | undefined = monitor.health;
  const stop = monitor.watch((health) => {
    pending = health;
    wake?.();
  });
  const onAbort = () => wake?.();
  ctx.signal.addEventListener("abort", onAbort);
  try {
    while (!ctx.signal.aborted) {
      if (pending) {
        const next: NodeHealth = pending;
        pending = undefined;
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    stop();
    ctx.signal.removeEventListener("abort", onAbort);
  }
}

/** Resolves when the call ends (the client cancels or the server shuts down). */
function aborted(ctx: HandlerContext): Promise<void> {
  return new Promise((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
