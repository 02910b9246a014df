import { tracingChannel } from "node:diagnostics_channel";
import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";

/**
 * OpenTelemetry tracing, off unless an OTLP endpoint is configured. Off costs nothing per message:
 * nothing is wrapped, no interceptor is installed, ioredis publishes no command events (its
 * diagnostics channel has no subscriber), and the two calls on the fan-out path
 * ({@link currentTraceparent}, {@link inRemoteSpan}) test one boolean and allocate nothing.
 *
 * On, spans cover RPCs (tracing-interceptor.ts), every engine call (store, session map, broker,
 * control plane, limiter: traced-engines.ts), every Redis command (ioredis's `ioredis:command`
 * diagnostics channel), and fan-out; a message's trace crosses nodes as a W3C traceparent carried
 * in the broker envelope with each delivery, so a send on one node and its delivery on another are
 * one trace.
 */

let tracer: Tracer | undefined;

/** The tracer while tracing is on; undefined while it is off. */
export function activeTracer(): Tracer | undefined {
  return tracer;
}

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** The OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces` (JSON encoding). */
  url: string;
  /** `service.instance.id` of every span: which node did the work. */
  nodeId: string;
  /** How long spans wait to be exported in one batch; 1000 ms by default. */
  exportDelayMs?: number;
}

/** A started tracer; `shutdown` exports what is pending and turns tracing off. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Starts exporting spans over OTLP/HTTP and registers the global tracer, the async context manager
 * (so that spans started inside a span's callback become its children) and the W3C propagator.
 * One per process: a second call throws.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (tracer) throw new Error("tracing is already started in this process");
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "chat-server", "service.instance.id": options.nodeId }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: options.url }), scheduledDelayMillis: options.exportDelayMs ?? 1_000 })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const active = provider.getTracer("chat-server");
  tracer = active;
  const stopRedisSpans = traceRedisCommands(active);
  return {
    async shutdown() {
      stopRedisSpans();
      tracer = undefined;
      await provider.shutdown(); // exports what the batch still holds
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** The W3C traceparent of the current span, to carry across nodes; undefined when off or outside a span. */
export function currentTraceparent(): string | undefined {
  if (!tracer) return undefined;
  const carrier: { traceparent?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * Runs `fn` inside a new span named `name`, a child of the current span (or of `traceparent`, a
 * span on another node, when given): ended when `fn` settles, marked as an error when it throws.
 * With tracing off it only calls `fn`.
 */
export function inSpan<T>(name: string, fn: () => T, traceparent?: string, kind: SpanKind = SpanKind.INTERNAL): T {
  if (!tracer) return fn();
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : context.active();
  return tracer.startActiveSpan(name, { kind }, parent, (span) => endWith(span, fn));
}

/**
 * Like {@link inSpan}, but the span lasts until `until(result)` settles (a send's span covers its
 * ACK, which comes after `fn` queued it), and `fn` resolves as soon as it would without tracing.
 */
export function inSpanUntil<T>(name: string, fn: () => Promise<T>, until: (result: T) => Promise<unknown>): Promise<T> {
  if (!tracer) return fn();
  const span = tracer.startSpan(name);
  const result = context.with(trace.setSpan(context.active(), span), fn);
  // A failure is recorded on the span; the caller sees it through its own promise.
  result.then(until).then(() => span.end(), (err: unknown) => {
    recordFailure(span, err);
    span.end();
  });
  return result;
}

/** Like {@link inSpan} with the remote parent carried by a delivery: no span when it carried none. */
export function inRemoteSpan(name: string, traceparent: string | undefined, fn: () => void): void {
  if (!tracer || !traceparent) return fn();
  inSpan(name, fn, traceparent, SpanKind.CONSUMER);
}

/** Ends `span` when `fn` (sync or async) is done, recording a failure. */
export function endWith<T>(span: Span, fn: () => T): T {
  const fail = (err: unknown) => recordFailure(span, err);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    fail(err);
    span.end();
    throw err;
  }
  if (!(result instanceof Promise)) {
    span.end();
    return result;
  }
  return result.then(
    (value: unknown) => { span.end(); return value; },
    (err: unknown) => { fail(err); span.end(); throw err; },
  ) as T;
}

/** Marks a span as failed, with the error as an exception event. */
function recordFailure(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** What ioredis publishes for each command (see ioredis's tracing.d.ts). */
interface RedisCommandEvent {
  command: string;
  database: number;
  serverAddress: string;
  serverPort: number | undefined;
  error?: unknown;
}

/**
 * A client span per Redis command, from ioredis's `ioredis:command` tracing channel: its `start`
 * event fires synchronously in the caller, so the span's parent is the engine call that sent it.
 * Returns the unsubscribe.
 */
function traceRedisCommands(tracer: Tracer): () => void {
  const channel = tracingChannel<unknown, RedisCommandEvent>("ioredis:command");
  const spans = new WeakMap<object, Span>();
  const handlers = {
    start(event: RedisCommandEvent) {
      spans.set(event, tracer.startSpan(`redis ${event.command}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          "db.system.name": "redis", "db.operation.name": event.command.toUpperCase(), "db.namespace": String(event.database),
          "server.address": event.serverAddress, ...(event.serverPort ? { "server.port": event.serverPort } : {}),
        },
      }));
    },
    end() {},
    asyncStart() {},
    asyncEnd(event: RedisCommandEvent) {
      spans.get(event)?.end();
    },
    // A rejection publishes `error`, then `asyncEnd`, which ends the span.
    error(event: RedisCommandEvent) {
      spans.get(event)?.setStatus({ code: SpanStatusCode.ERROR, message: event.error instanceof Error ? event.error.message : String(event.error) });
    },
  };
  channel.subscribe(handlers);
  return () => channel.unsubscribe(handlers);
}
