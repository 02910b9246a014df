import type { Tracer } from "@opentelemetry/api";
import type { Engines } from "../engines/engines.ts";
import { endWith } from "./tracing.ts";

/**
 * The engines with a span around every call (`store.appendMessage`, `sessions.locate`,
 * `broker.publish`…), children of the RPC or fan-out that made them; the Redis commands they send
 * get spans of their own beneath them. Used only while tracing is on, so that off costs nothing.
 */
export function tracedEngines(engines: Engines, tracer: Tracer): Engines {
  return {
    ...engines,
    store: traced(engines.store, "store", tracer),
    sessions: traced(engines.sessions, "sessions", tracer),
    broker: traced(engines.broker, "broker", tracer),
    control: traced(engines.control, "control", tracer),
    limiter: traced(engines.limiter, "limiter", tracer),
    close: () => engines.close(),
  };
}

/**
 * `target` with each method wrapped in a span `<name>.<method>`. A proxy rather than a list of
 * methods, so that a method added to an engine interface is traced without a change here; methods
 * run on the target itself, so classes with private fields work.
 */
function traced<T extends object>(target: T, name: string, tracer: Tracer): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value !== "function" || typeof key !== "string" || key === "close") return value;
      let method = wrapped.get(key);
      if (!method) {
        const spanName = `${name}.${key}`;
        method = (...args: unknown[]) => tracer.startActiveSpan(spanName, (span) => endWith(span, () => value.apply(object, args)));
        wrapped.set(key, method);
      }
      return method;
    },
  });
}
