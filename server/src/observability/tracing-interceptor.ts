import { type Interceptor, Code, ConnectError } from "@connectrpc/connect";
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";

/**
 * A server span per RPC, named `chat.v1.LiveService/SendMessage`, continuing the caller's trace when
 * the request carries a W3C `traceparent` header. Installed only while tracing is on. A unary call's
 * span covers the whole call; a stream's covers its opening, since the work of each frame happens
 * after the interceptor returned.
 */
export function tracingInterceptor(tracer: Tracer): Interceptor {
  return (next) => async (req) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.header, {
      keys: (headers) => [...headers.keys()],
      get: (headers, key) => headers.get(key) ?? undefined,
    });
    const attributes = { "rpc.system.name": "connect_rpc", "rpc.method": `${req.service.typeName}/${req.method.name}` };
    return tracer.startActiveSpan(attributes["rpc.method"], { kind: SpanKind.SERVER, attributes }, parent, async (span) => {
      try {
        return await next(req);
      } catch (err) {
        const code = ConnectError.from(err).code;
        span.setAttribute("rpc.response.status_code", Code[code]);
        span.setStatus({ code: SpanStatusCode.ERROR, message: ConnectError.from(err).rawMessage });
        throw err;
      } finally {
        span.end();
      }
    });
  };
}
