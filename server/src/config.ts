import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type LimitRules, parseLimitRules } from "./core/limits/throttle.ts";
import { parseAddresses, parseRedisEndpoint } from "./engines/redis-endpoint.ts";
import type { PushCredentialsConfig } from "./push/providers/push-providers.ts";
import type { TransportOptions } from "./transport/http-server.ts";

/** Everything a node can be told, from flags or `CHAT_*` environment variables (flags win). */
export interface Config {
  /** Address to listen on. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Unique per node in a cluster; random by default. */
  nodeId: string;
  /** Where the embedded store keeps its file. */
  dataDir: string;
  /**
   * Redis as one URL (see engines/redis-endpoint.ts): `redis://`, `rediss://`, `redis+sentinel://`
   * or `redis+cluster://`, also built from `--redis-cluster` or `--redis-sentinels`; unset runs the
   * in-process session map.
   */
  redisUrl: string | undefined;
  /** ScyllaDB/Cassandra contact points ("host:port,host:port"); unset runs the embedded store. */
  scyllaContactPoints: string[];
  scyllaKeyspace: string;
  scyllaDataCenter: string;
  /** LOCAL_QUORUM unless told otherwise. */
  scyllaConsistency: string;
  /** Consistency of the Paxos round of lightweight transactions: LOCAL_SERIAL unless told otherwise (or SERIAL). */
  scyllaSerialConsistency: string;
  /** Replication of a keyspace the server creates: "1" (SimpleStrategy, RF 1) or "dc1:3,dc2:3" (NetworkTopologyStrategy). */
  scyllaReplication: string;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  /** How long a database call may take before the request fails with Unavailable. */
  storeDeadlineMs: number;
  /** Embedded store: the least time between the starts of two commits under load, in µs (0: as soon as the last one ends). */
  sqliteCommitIntervalUs: number;
  /** Frames queued for a client that does not read before it is disconnected. */
  outboxFrames: number;
  /** Origins allowed to call from a browser ("*" for any). */
  corsOrigins: string[];
  logLevel: string;
  /** The built web client (the desktop renderer) served at `/`; undefined serves none. */
  webDir: string | undefined;
  /** Deadlines and per-address caps of the listening socket (see TransportOptions). */
  transport: Omit<TransportOptions, "tls" | "takeStream">;
  /** A device token unused this long expires (its device is logged out). */
  tokenIdleExpiryMs: number;
  /** A password check (Login, Register, ChangePassword) expected to wait longer for the argon2 pool is refused at once. */
  passwordCheckMaxWaitMs: number;
  /** The rate limits (`--rate-limits`); undefined when they are off. */
  rateLimits: LimitRules | undefined;
  /** PEM files of the certificate (chain) and key; both set serves TLS only (h2 and HTTP/1.1 by ALPN). */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /**
   * Where spans go (the OTLP/HTTP traces URL) when tracing is on: from `--otlp-endpoint`, else the
   * standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`; undefined: off.
   */
  otlpTracesUrl: string | undefined;
  /** Where file bytes live (engines/blobs/): a folder (the embedded default) or an S3 bucket. */
  blobs: BlobConfig;
  /** Bounds of file sharing: the largest file, uploads pending per user, expiry of unsent ones. */
  files: { maxFileSize: number; maxPendingUploads: number; unsentExpiryMs: number };
  /**
   * Whether LiveService.Stream over gRPC is served by the fast path on the HTTP/2 stream
   * (rpc/live-stream-fast-path.ts) rather than by connect-node; on by default, `off` is the way back.
   */
  grpcFastPath: boolean;
  /** Push notifications: the push services' credentials, and how the worker sends and retries. */
  push: PushConfig;
}

/** The push settings (docs/push.md, "Configuration"). */
export interface PushConfig {
  /** Credentials per push service (file paths and ids); a service without its block is not configured. */
  credentials: PushCredentialsConfig;
  /** Jobs one node's worker sends at once. */
  concurrency: number;
  /** Deliveries of a job at most; then it is dropped with a log line. */
  maxAttempts: number;
  /** First retry delay, doubled per attempt up to `retryMaxMs` (with jitter; never below a Retry-After). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a taken job stays with its worker before another may take it (the worker died). */
  visibilityMs: number;
  /** Pending notifications per user at most (at most one per conversation while not yet taken). */
  maxPendingPerUser: number;
  /** How long push services keep trying to reach an offline device. */
  ttlSeconds: number;
}


/** The blob store: S3-compatible when a bucket is named, else a folder. */
export type BlobConfig =
  | { kind: "fs"; dir: string }
  | { kind: "s3"; bucket: string; endpoint: string | undefined; region: string; credentials: { accessKeyId: string; secretAccessKey: string } | undefined };

/** The desktop app's renderer build in this repository (`npm run desktop:build`). */
const defaultWebDir = join(import.meta.dirname, "..", "..", "desktop", "dist", "renderer");

const options = {
  host: { type: "string", env: "CHAT_HOST", default: "127.0.0.1" },
  port: { type: "string", env: "CHAT_PORT", default: "8080" },
  "node-id": { type: "string", env: "CHAT_NODE_ID", default: "" },
  "data-dir": { type: "string", env: "CHAT_DATA_DIR", default: ".data" },
  "redis-url": { type: "string", env: "CHAT_REDIS_URL", default: "" },
  "redis-cluster": { type: "string", env: "CHAT_REDIS_CLUSTER", default: "" },
  "redis-sentinels": { type: "string", env: "CHAT_REDIS_SENTINELS", default: "" },
  "redis-sentinel-master": { type: "string", env: "CHAT_REDIS_SENTINEL_MASTER", default: "mymaster" },
  "scylla-contact-points": { type: "string", env: "CHAT_SCYLLA_CONTACT_POINTS", default: "" },
  "scylla-keyspace": { type: "string", env: "CHAT_SCYLLA_KEYSPACE", default: "chat" },
  "scylla-datacenter": { type: "string", env: "CHAT_SCYLLA_DATACENTER", default: "datacenter1" },
  "scylla-consistency": { type: "string", env: "CHAT_SCYLLA_CONSISTENCY", default: "localQuorum" },
  "scylla-serial-consistency": { type: "string", env: "CHAT_SCYLLA_SERIAL_CONSISTENCY", default: "localSerial" },
  "scylla-replication": { type: "string", env: "CHAT_SCYLLA_REPLICATION", default: "1" },
  "heartbeat-interval-ms": { type: "string", env: "CHAT_HEARTBEAT_INTERVAL_MS", default: "15000" },
  "heartbeat-timeout-ms": { type: "string", env: "CHAT_HEARTBEAT_TIMEOUT_MS", default: "45000" },
  "store-deadline-ms": { type: "string", env: "CHAT_STORE_DEADLINE_MS", default: "5000" },
  "sqlite-commit-interval-us": { type: "string", env: "CHAT_SQLITE_COMMIT_INTERVAL_US", default: "0" },
  "outbox-frames": { type: "string", env: "CHAT_OUTBOX_FRAMES", default: "4096" },
  "cors-origins": { type: "string", env: "CHAT_CORS_ORIGINS", default: "*" },
  "log-level": { type: "string", env: "CHAT_LOG_LEVEL", default: "info" },
  "web-dir": { type: "string", env: "CHAT_WEB_DIR", default: defaultWebDir },
  "first-bytes-timeout-ms": { type: "string", env: "CHAT_FIRST_BYTES_TIMEOUT_MS", default: "10000" },
  "headers-timeout-ms": { type: "string", env: "CHAT_HEADERS_TIMEOUT_MS", default: "10000" },
  "request-timeout-ms": { type: "string", env: "CHAT_REQUEST_TIMEOUT_MS", default: "30000" },
  "settings-ack-timeout-ms": { type: "string", env: "CHAT_SETTINGS_ACK_TIMEOUT_MS", default: "10000" },
  "unauthenticated-timeout-ms": { type: "string", env: "CHAT_UNAUTHENTICATED_TIMEOUT_MS", default: "60000" },
  "idle-timeout-ms": { type: "string", env: "CHAT_IDLE_TIMEOUT_MS", default: "300000" },
  "max-connections-per-ip": { type: "string", env: "CHAT_MAX_CONNECTIONS_PER_IP", default: "1000" },
  "max-unauthenticated-per-ip": { type: "string", env: "CHAT_MAX_UNAUTHENTICATED_PER_IP", default: "64" },
  "rate-limits": { type: "string", env: "CHAT_RATE_LIMITS", default: "" },
  "token-idle-expiry-ms": { type: "string", env: "CHAT_TOKEN_IDLE_EXPIRY_MS", default: String(30 * 86_400_000) },
  "password-check-max-wait-ms": { type: "string", env: "CHAT_PASSWORD_CHECK_MAX_WAIT_MS", default: "2000" },
  "tls-cert": { type: "string", env: "CHAT_TLS_CERT", default: "" },
  "tls-key": { type: "string", env: "CHAT_TLS_KEY", default: "" },
  "otlp-endpoint": { type: "string", env: "CHAT_OTLP_ENDPOINT", default: "" },
  "blob-dir": { type: "string", env: "CHAT_BLOB_DIR", default: "" },
  "s3-bucket": { type: "string", env: "CHAT_S3_BUCKET", default: "" },
  "s3-endpoint": { type: "string", env: "CHAT_S3_ENDPOINT", default: "" },
  "s3-region": { type: "string", env: "CHAT_S3_REGION", default: "us-east-1" },
  "s3-access-key-id": { type: "string", env: "CHAT_S3_ACCESS_KEY_ID", default: "" },
  "s3-secret-access-key": { type: "string", env: "CHAT_S3_SECRET_ACCESS_KEY", default: "" },
  "max-file-size": { type: "string", env: "CHAT_MAX_FILE_SIZE", default: String(25 * 1024 * 1024) },
  "max-pending-uploads": { type: "string", env: "CHAT_MAX_PENDING_UPLOADS", default: "20" },
  "upload-expiry-ms": { type: "string", env: "CHAT_UPLOAD_EXPIRY_MS", default: String(86_400_000) },
  "grpc-fast-path": { type: "string", env: "CHAT_GRPC_FAST_PATH", default: "on" },
  "push-vapid-keys-file": { type: "string", env: "CHAT_PUSH_VAPID_KEYS_FILE", default: "" },
  "push-vapid-subject": { type: "string", env: "CHAT_PUSH_VAPID_SUBJECT", default: "" },
  "push-web-push-hosts": { type: "string", env: "CHAT_PUSH_WEB_PUSH_HOSTS", default: "" },
  "push-fcm-service-account-file": { type: "string", env: "CHAT_PUSH_FCM_SERVICE_ACCOUNT_FILE", default: "" },
  "push-fcm-url": { type: "string", env: "CHAT_PUSH_FCM_URL", default: "" },
  "push-apns-key-file": { type: "string", env: "CHAT_PUSH_APNS_KEY_FILE", default: "" },
  "push-apns-key-id": { type: "string", env: "CHAT_PUSH_APNS_KEY_ID", default: "" },
  "push-apns-team-id": { type: "string", env: "CHAT_PUSH_APNS_TEAM_ID", default: "" },
  "push-apns-topic": { type: "string", env: "CHAT_PUSH_APNS_TOPIC", default: "" },
  "push-apns-production-url": { type: "string", env: "CHAT_PUSH_APNS_PRODUCTION_URL", default: "" },
  "push-apns-sandbox-url": { type: "string", env: "CHAT_PUSH_APNS_SANDBOX_URL", default: "" },
  "push-ca-file": { type: "string", env: "CHAT_PUSH_CA_FILE", default: "" },
  "push-timeout-ms": { type: "string", env: "CHAT_PUSH_TIMEOUT_MS", default: "10000" },
  "push-concurrency": { type: "string", env: "CHAT_PUSH_CONCURRENCY", default: "16" },
  "push-max-attempts": { type: "string", env: "CHAT_PUSH_MAX_ATTEMPTS", default: "8" },
  "push-retry-base-ms": { type: "string", env: "CHAT_PUSH_RETRY_BASE_MS", default: "2000" },
  "push-retry-max-ms": { type: "string", env: "CHAT_PUSH_RETRY_MAX_MS", default: "300000" },
  "push-visibility-ms": { type: "string", env: "CHAT_PUSH_VISIBILITY_MS", default: "60000" },
  "push-max-pending-per-user": { type: "string", env: "CHAT_PUSH_MAX_PENDING_PER_USER", default: "100" },
  "push-ttl-seconds": { type: "string", env: "CHAT_PUSH_TTL_SECONDS", default: "86400" },
} as const;

/** Every `CHAT_*` environment variable a node reads (for checks of deployment files). */
export const settingVariables: readonly string[] = Object.values(options).map((o) => o.env);

/** Reads and validates the configuration once; throws a message naming the bad setting. */
export function loadConfig(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Config {
  const { values } = parseArgs({
    args: argv[0] === "--" ? argv.slice(1) : argv, // `npm start -- --port 1` passes the "--" along
    options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type }])),
    strict: true,
  });
  const get = (name: keyof typeof options): string =>
    (values[name] as string | undefined) ?? env[options[name].env] ?? options[name].default;
  const int = (name: keyof typeof options, min: number, max: number): number => {
    const n = Number(get(name));
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} (${options[name].env}) must be an integer from ${min} to ${max}, got "${get(name)}"`);
    return n;
  };
  const list = (name: keyof typeof options) => get(name).split(",").map((s) => s.trim()).filter(Boolean);
  const config: Config = {
    host: get("host"),
    port: int("port", 0, 65535),
    nodeId: get("node-id") || randomUUID(),
    dataDir: get("data-dir"),
    redisUrl: redisUrl(get("redis-url"), get("redis-cluster"), get("redis-sentinels"), get("redis-sentinel-master")),
    scyllaContactPoints: list("scylla-contact-points"),
    scyllaKeyspace: get("scylla-keyspace"),
    scyllaDataCenter: get("scylla-datacenter"),
    scyllaConsistency: get("scylla-consistency"),
    scyllaSerialConsistency: get("scylla-serial-consistency"),
    scyllaReplication: get("scylla-replication"),
    heartbeatIntervalMs: int("heartbeat-interval-ms", 100, 600_000),
    heartbeatTimeoutMs: int("heartbeat-timeout-ms", 200, 1_800_000),
    storeDeadlineMs: int("store-deadline-ms", 100, 600_000),
    sqliteCommitIntervalUs: int("sqlite-commit-interval-us", 0, 1_000_000),
    outboxFrames: int("outbox-frames", 16, 1_000_000),
    corsOrigins: list("cors-origins"),
    logLevel: get("log-level"),
    webDir: get("web-dir") || undefined,
    transport: {
      firstBytesMs: int("first-bytes-timeout-ms", 100, 600_000),
      headersTimeoutMs: int("headers-timeout-ms", 100, 600_000),
      requestTimeoutMs: int("request-timeout-ms", 100, 3_600_000),
      settingsAckMs: int("settings-ack-timeout-ms", 100, 600_000),
      unauthenticatedMs: int("unauthenticated-timeout-ms", 100, 3_600_000),
      idleMs: int("idle-timeout-ms", 1_000, 86_400_000),
      maxConnectionsPerIp: int("max-connections-per-ip", 0, 10_000_000),
      maxUnauthenticatedPerIp: int("max-unauthenticated-per-ip", 0, 10_000_000),
    },
    rateLimits: parseLimitRules(get("rate-limits")),
    tokenIdleExpiryMs: int("token-idle-expiry-ms", 60_000, 3_650 * 86_400_000),
    passwordCheckMaxWaitMs: int("password-check-max-wait-ms", 0, 600_000),
    tlsCertFile: get("tls-cert") || undefined,
    tlsKeyFile: get("tls-key") || undefined,
    otlpTracesUrl: otlpTracesUrl(get("otlp-endpoint"), env),
    blobs: blobConfig(get),
    files: {
      maxFileSize: int("max-file-size", 1, 1024 ** 3),
      maxPendingUploads: int("max-pending-uploads", 1, 10_000),
      unsentExpiryMs: int("upload-expiry-ms", 60_000, 30 * 86_400_000),
    },
    grpcFastPath: onOff("grpc-fast-path", get("grpc-fast-path")),
    push: {
      credentials: pushCredentials(get, list, int("push-timeout-ms", 100, 120_000)),
      concurrency: int("push-concurrency", 1, 1_000),
      maxAttempts: int("push-max-attempts", 1, 100),
      retryBaseMs: int("push-retry-base-ms", 10, 3_600_000),
      retryMaxMs: int("push-retry-max-ms", 10, 86_400_000),
      visibilityMs: int("push-visibility-ms", 1_000, 3_600_000),
      maxPendingPerUser: int("push-max-pending-per-user", 1, 100_000),
      ttlSeconds: int("push-ttl-seconds", 0, 28 * 86_400),
    },
  };
  if (!config.tlsCertFile !== !config.tlsKeyFile) throw new Error("--tls-cert and --tls-key go together: set both to serve TLS, or neither");
  if (config.heartbeatTimeoutMs <= config.heartbeatIntervalMs) {
    throw new Error("--heartbeat-timeout-ms must be larger than --heartbeat-interval-ms");
  }
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(config.scyllaKeyspace)) throw new Error(`--scylla-keyspace "${config.scyllaKeyspace}" is not a valid keyspace name`);
  return config;
}

/** A setting of the push credentials, by flag name. */
type PushSetting = "push-vapid-keys-file" | "push-vapid-subject" | "push-web-push-hosts" | "push-fcm-service-account-file" | "push-fcm-url" |
  "push-apns-key-file" | "push-apns-key-id" | "push-apns-team-id" | "push-apns-topic" | "push-apns-production-url" | "push-apns-sandbox-url" | "push-ca-file";

/**
 * The push services' credentials: each service is configured when its key file is named, and then
 * every setting it needs must be there (a half-configured service fails the start, not each push).
 */
function pushCredentials(get: (name: PushSetting) => string, list: (name: PushSetting) => string[], timeoutMs: number): PushCredentialsConfig {
  const need = (service: string, names: PushSetting[]) => {
    const missing = names.filter((n) => !get(n));
    if (missing.length > 0) throw new Error(`${service} is configured (--${names[0]}) but ${missing.map((n) => `--${n}`).join(", ")} is not set`);
  };
  const optional = (name: PushSetting) => get(name) || undefined;
  const credentials: PushCredentialsConfig = { caFile: optional("push-ca-file"), timeoutMs };
  if (get("push-vapid-keys-file")) {
    need("Web Push", ["push-vapid-keys-file", "push-vapid-subject"]);
    const hosts = list("push-web-push-hosts");
    credentials.webPush = { vapidKeysFile: get("push-vapid-keys-file"), subject: get("push-vapid-subject"), ...(hosts.length ? { endpointHosts: hosts } : {}) };
  }
  if (get("push-fcm-service-account-file")) {
    credentials.fcm = { serviceAccountFile: get("push-fcm-service-account-file"), baseUrl: optional("push-fcm-url") };
  }
  if (get("push-apns-key-file")) {
    need("APNs", ["push-apns-key-file", "push-apns-key-id", "push-apns-team-id", "push-apns-topic"]);
    credentials.apns = {
      keyFile: get("push-apns-key-file"), keyId: get("push-apns-key-id"), teamId: get("push-apns-team-id"), topic: get("push-apns-topic"),
      productionUrl: optional("push-apns-production-url"), sandboxUrl: optional("push-apns-sandbox-url"),
    };
  }
  return credentials;
}

/** An on/off setting. */
function onOff(name: string, value: string): boolean {
  if (value === "on" || value === "off") return value === "on";
  throw new Error(`--${name} must be "on" or "off", got "${value}"`);
}

/**
 * The one Redis URL the engines take, from whichever of `--redis-url`, `--redis-cluster` and
 * `--redis-sentinels` is set (at most one may be); checked here so that a typo fails at start.
 */
function redisUrl(url: string, cluster: string, sentinels: string, master: string): string | undefined {
  const set = [["--redis-url", url], ["--redis-cluster", cluster], ["--redis-sentinels", sentinels]].filter(([, v]) => v);
  if (set.length > 1) throw new Error(`${set.map(([flag]) => flag).join(" and ")} are both set: name Redis one way`);
  const setting = (flag: string, check: () => unknown) => {
    try {
      check();
    } catch (err) {
      throw new Error(`${flag}: ${(err as Error).message}`);
    }
  };
  const join = (list: string) => parseAddresses(list).map((a) => (a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`)).join(",");
  if (cluster) {
    setting("--redis-cluster (CHAT_REDIS_CLUSTER)", () => parseAddresses(cluster));
    return `redis+cluster://${join(cluster)}`;
  }
  if (sentinels) {
    setting("--redis-sentinels (CHAT_REDIS_SENTINELS)", () => parseAddresses(sentinels));
    if (!master) throw new Error("--redis-sentinel-master (CHAT_REDIS_SENTINEL_MASTER) is empty: name the master the Sentinels watch");
    return `redis+sentinel://${join(sentinels)}/${encodeURIComponent(master)}`;
  }
  if (!url) return undefined;
  setting("--redis-url (CHAT_REDIS_URL)", () => parseRedisEndpoint(url));
  return url;
}

/**
 * The OTLP/HTTP traces URL, as OpenTelemetry's own variables define it: a base endpoint
 * (`--otlp-endpoint`, `OTEL_EXPORTER_OTLP_ENDPOINT`) gets `/v1/traces` appended, the traces
 * endpoint (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is used as it is; `OTEL_SDK_DISABLED=true` wins.
 */
function otlpTracesUrl(flag: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  const base = flag || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = flag || !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? base && `${base.replace(/\/+$/, "")}/v1/traces` : env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!url) return undefined;
  if (!/^https?:\/\/[^/]/.test(url)) throw new Error(`--otlp-endpoint (CHAT_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT) must be an http:// or https:// URL, got "${url}"`);
  return url;
}

/**
 * The blob store's settings: `--s3-bucket` picks S3-compatible storage (`--s3-endpoint` for anything
 * but AWS; keys from `--s3-access-key-id`/`--s3-secret-access-key`, both or neither, else the AWS
 * SDK's own chain), otherwise `--blob-dir` (default `<data dir>/blobs`).
 */
function blobConfig(get: (name: "blob-dir" | "data-dir" | "s3-bucket" | "s3-endpoint" | "s3-region" | "s3-access-key-id" | "s3-secret-access-key") => string): BlobConfig {
  const bucket = get("s3-bucket");
  if (!bucket) return { kind: "fs", dir: get("blob-dir") || join(get("data-dir"), "blobs") };
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`--s3-bucket (CHAT_S3_BUCKET) "${bucket}" is not a valid bucket name`);
  const endpoint = get("s3-endpoint") || undefined;
  if (endpoint && !/^https?:\/\/[^/]/.test(endpoint)) throw new Error(`--s3-endpoint (CHAT_S3_ENDPOINT) must be an http:// or https:// URL, got "${endpoint}"`);
  const accessKeyId = get("s3-access-key-id");
  const secretAccessKey = get("s3-secret-access-key");
  if (!accessKeyId !== !secretAccessKey) throw new Error("--s3-access-key-id and --s3-secret-access-key go together: set both, or neither to use the AWS SDK's credential chain");
  return { kind: "s3", bucket, endpoint, region: get("s3-region"), credentials: accessKeyId ? { accessKeyId, secretAccessKey } : undefined };
}
