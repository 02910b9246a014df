import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { type ContextValues, cors as connectCors } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { authInterceptor } from "./auth/interceptor.ts";
import { passwordGate } from "./auth/password-gate.ts";
import type { Config } from "./config.ts";
import { type Chat, createChat } from "./core/chat.ts";
import { createEngines, type Engines } from "./engines/engines.ts";
import { chatRoutes } from "./rpc/routes.ts";
import { throttleInterceptor } from "./rpc/throttle-interceptor.ts";
import { answerMalformedRequests, malformedRequestInterceptor } from "./rpc/malformed-request.ts";
import { createHttpServer, type Handler, type HttpServer } from "./transport/http-server.ts";
import { rawRequestContext, rawRequestKey } from "./transport/raw-request.ts";
import { webClientFile } from "./transport/web-client.ts";
import { createMetrics, type Metrics } from "./observability/metrics.ts";
import { HealthMonitor } from "./observability/health-monitor.ts";
import { tracedEngines } from "./observability/traced-engines.ts";
import { activeTracer, startTracing } from "./observability/tracing.ts";
import { tracingInterceptor } from "./observability/tracing-interceptor.ts";
import { botScopeInterceptor } from "./rpc/bot-scope.ts";
import { registerHealthService } from "./rpc/health-service.ts";
import { registerReflectionService } from "./rpc/reflection-service.ts";
import { type LiveStreamFastPath, liveStreamFastPath } from "./rpc/live-stream-fast-path.ts";
import { answerUnimplemented } from "./transport/unimplemented.ts";
import { bearerToken } from "./auth/token.ts";
import { withDeadlines } from "./core/deadlines.ts";
import { unauthenticated } from "./core/errors.ts";
import { createDownloads } from "./files/downloads.ts";
import { createFiles, type Files } from "./files/files.ts";
import { defaultFileLimits } from "./files/limits.ts";
import { registerFileService } from "./rpc/file-service.ts";
import { createPush, type Push } from "./push/push.ts";
import { pushProvidersOf } from "./push/node-providers.ts";
import { registerPushService } from "./rpc/push-service.ts";

/** A running node. */
export interface RunningServer {
  /** Base URL clients connect to, e.g. http://127.0.0.1:8080. */
  url: string;
  port: number;
  chat: Chat;
  engines: Engines;
  /** File sharing: uploads, attachments, downloads. */
  files: Files;
  /** Push notifications: the registry, the trigger, the worker (its counts). */
  push: Push;
  /** Whether the node serves: what grpc.health.v1.Health and /healthz answer from. */
  health: HealthMonitor;
  /** The listening socket's server (per-address counts, deadlines). */
  transport: HttpServer;
  /** The gRPC fast path of LiveService.Stream, unless `--grpc-fast-path off`. */
  grpcFastPath: LiveStreamFastPath | undefined;
  /** Closes every stream (clients reconnect and resume), stops listening, closes the engines. */
  close(): Promise<void>;
}

/** Largest request a client may send; a message's text is limited to 64 KiB inside it. */
const readMaxBytes = 1024 * 1024;

/** Starts a node: engines, domain, the Connect/gRPC/gRPC-Web handler, and the listening socket. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const onError = (err: unknown) => logger.error({ err }, "background task failed");
  // Before the engines, so that their first Redis commands and store calls are traced too.
  const tracing = config.otlpTracesUrl ? startTracing({ url: config.otlpTracesUrl, nodeId: config.nodeId }) : undefined;
  const tracer = activeTracer();
  const warn = (message: string, details: object) => logger.warn(details, message);
  const untraced = await createEngines(config, onError, warn).catch(async (err: unknown) => {
    await tracing?.shutdown();
    throw err;
  });
  const engines = tracer ? tracedEngines(untraced, tracer) : untraced;
  const fileStore = withDeadlines(engines.store, config.storeDeadlineMs, "the database", onError);
  const files = createFiles({
    store: fileStore, blobs: engines.blobs,
    limits: { ...defaultFileLimits, ...config.files }, onError,
  });
  // Push notifications: the trigger hears each new message; the worker sends from the queue.
  const push = createPush({
    store: withDeadlines(engines.store, config.storeDeadlineMs, "the database", onError), sessions: engines.sessions, queue: engines.pushQueue,
    providers: pushProvidersOf(config.push.credentials, (details, message) => logger.info(details, message)), nodeId: config.nodeId, concurrency: config.push.concurrency,
    retry: { maxAttempts: config.push.maxAttempts, baseMs: config.push.retryBaseMs, maxMs: config.push.retryMaxMs },
    ttlSeconds: config.push.ttlSeconds, onError, log: (details, message) => logger.warn(details, message),
  });
  const chat = await createChat({
    onMessageSent: (sent) => push.onSent(sent),
    attachments: files.attachments,
    nodeId: config.nodeId, ...engines,
    heartbeatIntervalMs: config.heartbeatIntervalMs, heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    storeDeadlineMs: config.storeDeadlineMs,
    outboxCapacity: config.outboxFrames,
    limits: config.rateLimits,
    tokenIdleExpiryMs: config.tokenIdleExpiryMs,
    passwordCheckMaxWaitMs: config.passwordCheckMaxWaitMs,
    onError,
  });
  const download = createDownloads({
    store: fileStore, blobs: engines.blobs, onError,
    async authenticate(req) {
      const token = bearerToken(req.headers.authorization ?? null);
      if (!token) throw unauthenticated("missing \"authorization: Bearer <token>\" header");
      const caller = await chat.accounts.authenticate(token);
      transport?.authenticate(req);
      return caller;
    },
  });
  const health = new HealthMonitor({
    probes: engineProbes(engines),
    onChange: (h) => (h.serving ? logger.info("serving again") : logger.warn({ reason: h.reason }, "not serving")),
  });
  const metrics = createMetrics(chat, health, push);
  await health.probe();
  // The transport is built around the adapter, so the interceptor reaches it through this binding.
  let transport: HttpServer | undefined;
  const onAuthenticated = (values: ContextValues) => {
    const raw = values.get(rawRequestKey);
    if (raw) transport?.authenticate(raw);
  };
  const interceptors = [malformedRequestInterceptor(), ...(tracer ? [tracingInterceptor(tracer)] : []), metrics.interceptor, authInterceptor(chat.accounts, onAuthenticated), botScopeInterceptor(chat.bots), throttleInterceptor(chat.throttle)];
  const adapter = connectNodeAdapter({
    routes: (router) => {
      chatRoutes(chat)(router);
      registerPushService(router, { registry: push.registry, configured: push.providers.kinds, webPushPublicKey: push.providers.webPushPublicKey });
      registerFileService(router, files.uploads);
      registerHealthService(router, health, [...new Set(router.handlers.map((h) => h.service.typeName))]);
      registerReflectionService(router, [...new Set(router.handlers.map((h) => h.service))]);
      answerMalformedRequests(router);
    },
    interceptors,
    readMaxBytes,
    contextValues: rawRequestContext,
    fallback: (req, res) => {
      if (download(req, res)) return;
      if (answerUnimplemented(req, res)) return;
      endpoint(req.url, metrics, health).then(async ([status, type, body]) => {
        // Any other GET may be the web client (the desktop app's renderer), when it is built.
        const get = req.method === "GET" || req.method === "HEAD";
        const file = status === 404 && config.webDir && get ? await webClientFile(config.webDir, req.url ?? "/") : undefined;
        res.statusCode = file ? 200 : status;
        res.setHeader("content-type", file?.contentType ?? type);
        for (const [k, v] of Object.entries(file?.headers ?? {})) res.setHeader(k, v);
        res.end(req.method === "HEAD" ? "" : (file?.body ?? body));
      }, (err: unknown) => {
        // Only /metrics can fail (a collector threw): the scraper sees a 500, the operator the log line.
        logger.error({ err, url: req.url }, "plain endpoint failed");
        res.statusCode = 500;
        res.end("internal error\n");
      });
    },
  });
  const tls = config.tlsCertFile && config.tlsKeyFile
    ? { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) } : undefined;
  const gated = passwordGate(chat.throttle, {
    onError: (err) => logger.error({ err }, "password gate failed"),
    onRefused: (method, code) => metrics.countCall(method, code),
  })(adapter as Handler);
  // LiveService.Stream over gRPC, every device's hot path, skips the adapter (see live-stream-fast-path.ts).
  const fastPath = config.grpcFastPath
    ? liveStreamFastPath(chat, { interceptors, readMaxBytes, contextValues: rawRequestContext, onError: (err) => logger.error({ err }, "live stream fast path failed") })
    : undefined;
  const server = createHttpServer(withCors(gated, config.corsOrigins), { ...config.transport, tls, takeStream: fastPath?.take });
  transport = server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, resolve);
  });
  push.start();
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
  logger.info({ nodeId: config.nodeId, port, engines: engines.describe, tracing: config.otlpTracesUrl ?? "off", grpcFastPath: config.grpcFastPath }, "chat server listening");
  return {
    url: `${tls ? "https" : "http"}://${host}:${port}`, port, chat, engines, files, push, health, transport: server, grpcFastPath: fastPath,
    async close() {
      health.drain(); // health watchers hear NOT_SERVING before their streams close
      health.close();
      chat.close();
      files.close();
      await server.shutdown(1_000);
      await push.close(); // drains the jobs in flight; the rest stay queued for the next node
      await engines.close();
      await tracing?.shutdown();
    },
  };
}

/**
 * The plain HTTP endpoints beside the RPCs: /healthz for load balancers (503 and the reason while the
 * node is not serving, from the same monitor as grpc.health.v1), /metrics for Prometheus.
 */
async function endpoint(url: string | undefined, metrics: Metrics, monitor: HealthMonitor): Promise<[number, string, string]> {
  if (url === "/healthz") {
    const { serving, reason } = monitor.health;
    return serving ? [200, "text/plain", "ok\n"] : [503, "text/plain", `not serving: ${reason}\n`];
  }
  if (url === "/metrics") return [200, metrics.registry.contentType, await metrics.registry.metrics()];
  return [404, "text/plain", "not found\n"];
}

/** A never-used user id: reading it exercises the store and the session map without touching data. */
const probeUserId = "00000000-0000-0000-0000-000000000000";

/** Cheap reads through each engine a node needs: answered means reachable. */
function engineProbes(engines: Engines) {
  return {
    store: () => engines.store.getUsers([probeUserId]),
    sessions: () => engines.sessions.presence([probeUserId]),
  };
}

/** Lets browsers (the desktop renderer, web clients) call from the allowed origins. */
function withCors(handler: Handler, origins: string[]): Handler {
  const allowed = (origin: string | undefined) => origin && (origins.includes("*") || origins.includes(origin));
  return (req, res) => {
    const origin = req.headers.origin;
    if (allowed(origin)) {
      res.setHeader("access-control-allow-origin", origin!);
      res.setHeader("vary", "origin");
      res.setHeader("access-control-expose-headers", connectCors.exposedHeaders.join(", "));
      if (req.method === "OPTIONS") {
        res.setHeader("access-control-allow-methods", connectCors.allowedMethods.join(", "));
        res.setHeader("access-control-allow-headers", [...connectCors.allowedHeaders, "Authorization"].join(", "));
        res.setHeader("access-control-max-age", "7200");
        res.statusCode = 204;
        res.end();
        return;
      }
    }
    handler(req, res);
  };
}
