import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { createSecureServer, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from "node:http2";
import { FakeServiceRecord, scriptedResponse } from "./fake-service.ts";
import { verifyJwt } from "./jws.ts";
import { type ListeningFake, listenWithTls } from "./tls-server.ts";

/** One notification the APNs fake accepted. */
export interface ReceivedApnsPush {
  deviceToken: string;
  environment: "production" | "sandbox";
  headers: IncomingHttpHeaders;
  payload: { aps: { alert: { title: string; body: string }; "thread-id": string; sound?: string }; [key: string]: unknown };
  /** The provider token's `iat`. */
  iat: number;
}

/** A local APNs (production and sandbox hosts), see {@link startApnsFake}. */
export interface ApnsFake {
  productionOrigin: string;
  sandboxOrigin: string;
  ca: Buffer;
  /** The .p8 key (PEM) and the ids the provider is configured with. */
  signingKey: string;
  keyId: string;
  teamId: string;
  topic: string;
  /** A device token of the environment, as an app gets from `registerForRemoteNotifications`. */
  register(environment: "production" | "sandbox"): string;
  /** The app was removed: 410 Unregistered from now on. */
  unregister(deviceToken: string): void;
  /** Sends GOAWAY on every open session (as APNs does when it drains a server). */
  goAway(): void;
  /** HTTP/2 sessions opened by clients so far. */
  readonly sessions: number;
  record: FakeServiceRecord<ReceivedApnsPush>;
  close(): Promise<void>;
}

/** Options of {@link startApnsFake}. */
export interface ApnsFakeOptions {
  /** The fake's clock for token ages, shared with a provider whose clock a test moves. */
  now?: () => number;
}

/**
 * APNs as a provider meets it: HTTP/2 over TLS (a throwaway CA), `POST /3/device/<hex token>`, and the
 * refusals Apple documents: a provider token not ES256-signed by the key of `kid` or with another `iss`
 * (403 InvalidProviderToken), one issued over an hour ago (403 ExpiredProviderToken), a new token less
 * than 20 minutes after the previous one (429 TooManyProviderTokenUpdates), another `apns-topic` (400
 * DeviceTokenNotForTopic), a push type other than alert, a bad priority/expiration/collapse id, a
 * payload without `aps.alert` title/body and `thread-id` or over 4 KiB (400/413), a token of the other
 * environment (400 BadDeviceToken) and one unregistered (410). Scripted answers via `record.answerNext`.
 */
export async function startApnsFake(options: ApnsFakeOptions = {}): Promise<ApnsFake> {
  const now = options.now ?? Date.now;
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const keyId = randomBytes(5).toString("hex").toUpperCase();
  const teamId = randomBytes(5).toString("hex").toUpperCase();
  const topic = "com.example.chat";
  const devices = new Map<string, { environment: "production" | "sandbox"; gone: boolean }>();
  const record = new FakeServiceRecord<ReceivedApnsPush>();
  let sessions = 0;
  /** Per connection, the provider token in use and when it first appeared (the fake's clock): the update-rate rule. */
  const tokenOf = new WeakMap<Http2Session, { jwt: string; firstSeen: number }>();
  const openSessions = new Set<ServerHttp2Session>();

  const handle = (environment: "production" | "sandbox", stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer) => {
    const answer = (status: number, json?: object, extra: Record<string, string> = {}) => {
      stream.respond({ ":status": status, "apns-id": randomUUID(), ...(json ? { "content-type": "application/json" } : {}), ...extra });
      stream.end(json ? JSON.stringify(json) : undefined);
    };
    const refuse = (status: number, reason: string, detail: string) => {
      record.refuse(`${reason}: ${detail}`);
      answer(status, { reason });
    };
    const deviceToken = /^\/3\/device\/([0-9a-fA-F]+)$/.exec(String(headers[":path"]))?.[1];
    if (headers[":method"] !== "POST") return refuse(405, "MethodNotAllowed", String(headers[":method"]));
    if (!deviceToken) return refuse(404, "BadPath", String(headers[":path"]));
    const jwt = /^bearer (\S+)$/.exec(String(headers.authorization ?? ""))?.[1];
    if (!jwt) return refuse(403, "MissingProviderToken", String(headers.authorization));
    let iat: number;
    try {
      const { header, claims } = verifyJwt(jwt, publicKey, "ES256");
      if (header.kid !== keyId) throw new Error(`kid ${String(header.kid)}`);
      if (claims.iss !== teamId) throw new Error(`iss ${String(claims.iss)}`);
      if (typeof claims.iat !== "number") throw new Error("no iat");
      iat = claims.iat;
    } catch (err) {
      return refuse(403, "InvalidProviderToken", (err as Error).message);
    }
    // Not refused as a provider mistake: a provider that keeps a token past the hour is told, as by Apple.
    if (Math.floor(now() / 1000) - iat > 3600) return answer(403, { reason: "ExpiredProviderToken" });
    const session = stream.session;
    const inUse = session ? tokenOf.get(session) : undefined;
    if (session && inUse?.jwt !== jwt) {
      if (inUse && now() - inUse.firstSeen < 20 * 60_000) return refuse(429, "TooManyProviderTokenUpdates", "a new token within 20 minutes of the last");
      tokenOf.set(session, { jwt, firstSeen: now() });
    }
    if (headers["apns-topic"] !== topic) return refuse(400, "DeviceTokenNotForTopic", String(headers["apns-topic"]));
    if (headers["apns-push-type"] !== "alert") return refuse(400, "InvalidPushType", String(headers["apns-push-type"]));
    if (!["5", "10"].includes(String(headers["apns-priority"]))) return refuse(400, "BadPriority", String(headers["apns-priority"]));
    if (!/^\d+$/.test(String(headers["apns-expiration"]))) return refuse(400, "BadExpirationDate", String(headers["apns-expiration"]));
    const collapseId = headers["apns-collapse-id"];
    if (collapseId !== undefined && Buffer.byteLength(String(collapseId)) > 64) return refuse(400, "BadCollapseId", String(collapseId));
    if (body.length > 4096) return refuse(413, "PayloadTooLarge", `${body.length} bytes`);
    let payload: ReceivedApnsPush["payload"];
    try {
      payload = JSON.parse(body.toString());
      const { alert, "thread-id": thread } = payload.aps ?? {};
      if (typeof alert?.title !== "string" || typeof alert.body !== "string" || typeof thread !== "string") throw new Error("aps.alert.title/body and aps.thread-id must be strings");
    } catch (err) {
      return refuse(400, "BadPayload", (err as Error).message);
    }
    const device = devices.get(deviceToken.toLowerCase());
    if (!device || device.environment !== environment) return answer(400, { reason: "BadDeviceToken" });
    if (device.gone) return answer(410, { reason: "Unregistered", timestamp: now() });
    const scripted = record.takeScripted();
    if (scripted) {
      const response = scriptedResponse(scripted);
      if (!response) return;
      stream.respond({ ":status": response.status, ...response.headers });
      return stream.end(response.body);
    }
    record.accept({ deviceToken, environment, headers, payload, iat });
    return answer(200);
  };

  const listen = (environment: "production" | "sandbox"): Promise<ListeningFake> => listenWithTls((tls) => {
    const server = createSecureServer({ ...tls, allowHTTP1: false });
    server.on("session", (session) => {
      sessions++;
      openSessions.add(session);
      session.on("close", () => openSessions.delete(session));
    });
    server.on("stream", (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => handle(environment, stream, headers, Buffer.concat(chunks)));
      stream.on("error", () => {}); // a client that cancelled its stream: there is no one to answer
    });
    return server;
  });
  const [production, sandbox] = await Promise.all([listen("production"), listen("sandbox")]);

  return {
    productionOrigin: production.origin,
    sandboxOrigin: sandbox.origin,
    // Two throwaway CAs: a provider trusts both (the PEMs concatenated).
    ca: Buffer.concat([production.ca, sandbox.ca]),
    signingKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    keyId,
    teamId,
    topic,
    register(environment) {
      const token = randomBytes(32).toString("hex");
      devices.set(token, { environment, gone: false });
      return token;
    },
    unregister(deviceToken) {
      const device = devices.get(deviceToken.toLowerCase());
      if (device) device.gone = true;
    },
    goAway() {
      for (const session of openSessions) session.goaway();
    },
    get sessions() {
      return sessions;
    },
    record,
    async close() {
      await Promise.all([production.close(), sandbox.close()]);
    },
  };
}
