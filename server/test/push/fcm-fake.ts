import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import { FakeServiceRecord, readBody, type ScriptedAnswer, scriptedResponse } from "./fake-service.ts";
import { checkTime, verifyJwt } from "./jws.ts";
import { listenWithTls } from "./tls-server.ts";

/** One message FCM's fake accepted. */
export interface ReceivedFcmMessage {
  /** The `message` object as sent. */
  message: {
    token: string;
    notification: { title: string; body: string };
    data: Record<string, string>;
    android: { collapse_key: string; ttl: string; priority: string; notification?: { tag?: string } };
  };
  accessToken: string;
}

/** One assertion exchanged at the token endpoint, verified. */
export interface IssuedAccessToken {
  accessToken: string;
  claims: Record<string, unknown>;
  kid: unknown;
}

/** A local FCM HTTP v1 API and Google OAuth2 token endpoint, see {@link startFcmFake}. */
export interface FcmFake {
  origin: string;
  ca: Buffer;
  projectId: string;
  /** The service-account key file's JSON (its `token_uri` is this fake's token endpoint). */
  serviceAccountJson: Record<string, string>;
  /** A registration token, as an app gets from the FCM SDK. */
  register(): string;
  /** Unregisters a token: sends to it are 404 UNREGISTERED from now on. */
  unregister(token: string): void;
  /** Makes every access token issued so far invalid (401 UNAUTHENTICATED), as a revocation does. */
  revokeAccessTokens(): void;
  /** Sends to the messages:send endpoint. */
  record: FakeServiceRecord<ReceivedFcmMessage>;
  /** Exchanges at the token endpoint (scripted answers there go through `tokens.answerNext`). */
  tokens: FakeServiceRecord<IssuedAccessToken>;
  close(): Promise<void>;
}

/** Options of {@link startFcmFake}. */
export interface FcmFakeOptions {
  /** `expires_in` of issued access tokens, seconds; default 3599 as Google's. */
  tokenLifetimeS?: number;
  /** The fake's clock (for `iat`/`exp` checks), shared with a provider whose clock a test moves. */
  now?: () => number;
}

/**
 * FCM as a provider meets it, over HTTPS with a throwaway CA. The token endpoint (`POST /token`)
 * refuses what Google's refuses: a grant type other than jwt-bearer, an assertion not RS256-signed by
 * the service account's key, a wrong `iss`/`aud`/`kid`, a scope without firebase.messaging, an
 * `exp` past or more than an hour after `iat` (400 invalid_grant). `messages:send` wants a live access
 * token (401 UNAUTHENTICATED), this project, a registered token (400 INVALID_ARGUMENT; 404 UNREGISTERED
 * once unregistered) and a well-formed message: notification title/body, string-only data, android
 * collapse_key / ttl ("<n>s") / priority; unknown fields are refused (400) as the real API does.
 */
export async function startFcmFake(options: FcmFakeOptions = {}): Promise<FcmFake> {
  const projectId = "chat-fake-project";
  const clientEmail = `push@${projectId}.iam.gserviceaccount.com`;
  const keyId = randomBytes(20).toString("hex");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const registered = new Map<string, "live" | "unregistered">();
  const liveAccessTokens = new Set<string>();
  const record = new FakeServiceRecord<ReceivedFcmMessage>();
  const tokens = new FakeServiceRecord<IssuedAccessToken>();
  let origin = "";

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = (await readBody(req)).toString();
    const send = (status: number, json: object, headers: Record<string, string> = {}) =>
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(json));
    if (req.method === "POST" && req.url === "/token") {
      try {
        const issued = exchange(body, publicKey, { clientEmail, keyId, tokenUri: `${origin}/token`, now: options.now?.() ?? Date.now() });
        const scripted = tokens.takeScripted();
        if (scripted) return respondScripted(res, scripted);
        const accessToken = `ya29.${randomBytes(24).toString("base64url")}`;
        liveAccessTokens.add(accessToken);
        tokens.accept({ accessToken, claims: issued.claims, kid: issued.header.kid });
        return send(200, { access_token: accessToken, expires_in: options.tokenLifetimeS ?? 3599, token_type: "Bearer" });
      } catch (err) {
        tokens.refuse((err as Error).message);
        return send(400, { error: "invalid_grant", error_description: (err as Error).message });
      }
    }
    const refuse = (status: number, code: string, message: string, errorCode?: string) => {
      record.refuse(`${code}: ${message}`);
      return send(status, fcmError(status, code, message, errorCode));
    };
    if (req.method !== "POST" || req.url !== `/v1/projects/${projectId}/messages:send`) return refuse(404, "NOT_FOUND", `no route ${req.method} ${req.url}`);
    const accessToken = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!accessToken || !liveAccessTokens.has(accessToken)) return send(401, fcmError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."));
    if (!req.headers["content-type"]?.startsWith("application/json")) return refuse(400, "INVALID_ARGUMENT", `content-type ${req.headers["content-type"]}`);
    let message: ReceivedFcmMessage["message"];
    try {
      message = checkMessage(JSON.parse(body));
    } catch (err) {
      return refuse(400, "INVALID_ARGUMENT", (err as Error).message);
    }
    const state = registered.get(message.token);
    if (!state) return refuse(400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token", "INVALID_ARGUMENT");
    if (state === "unregistered") return send(404, fcmError(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED"));
    const scripted = record.takeScripted();
    if (scripted) return respondScripted(res, scripted);
    record.accept({ message, accessToken });
    return send(200, { name: `projects/${projectId}/messages/${randomUUID()}` });
  };

  const tls = await listenWithTls((certificate) => createServer(certificate, (req, res) => {
    handle(req, res).catch((err: unknown) => res.writeHead(500).end(String(err)));
  }));
  origin = tls.origin;
  return {
    origin,
    ca: tls.ca,
    projectId,
    serviceAccountJson: {
      type: "service_account",
      project_id: projectId,
      private_key_id: keyId,
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      client_email: clientEmail,
      token_uri: `${origin}/token`,
    },
    register() {
      const token = `${randomBytes(11).toString("base64url")}:APA91b${randomBytes(100).toString("base64url")}`;
      registered.set(token, "live");
      return token;
    },
    unregister: (token) => void registered.set(token, "unregistered"),
    revokeAccessTokens: () => liveAccessTokens.clear(),
    record,
    tokens,
    close: tls.close,
  };
}

/** Gives a scripted answer (or none at all). */
function respondScripted(res: ServerResponse, scripted: ScriptedAnswer): void {
  const answer = scriptedResponse(scripted);
  if (answer) res.writeHead(answer.status, answer.headers).end(answer.body);
}

/** Verifies a JWT-bearer grant (RFC 7523) as Google's token endpoint does; throws the reason. */
function exchange(body: string, key: KeyObject, expected: { clientEmail: string; keyId: string; tokenUri: string; now: number }) {
  const form = new URLSearchParams(body);
  if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") throw new Error(`grant_type is ${form.get("grant_type")}`);
  const verified = verifyJwt(form.get("assertion") ?? "", key, "RS256");
  const { claims, header } = verified;
  if (header.kid !== undefined && header.kid !== expected.keyId) throw new Error(`kid ${String(header.kid)} is not the account's key`);
  if (claims.iss !== expected.clientEmail) throw new Error(`iss is ${String(claims.iss)}, expected ${expected.clientEmail}`);
  if (claims.aud !== expected.tokenUri) throw new Error(`aud is ${String(claims.aud)}, expected ${expected.tokenUri}`);
  const scopes = typeof claims.scope === "string" ? claims.scope.split(" ") : [];
  if (!scopes.includes("https://www.googleapis.com/auth/firebase.messaging")) throw new Error(`scope ${String(claims.scope)} lacks firebase.messaging`);
  const iat = checkTime(claims, "iat", expected.now, -3600, 60);
  const exp = checkTime(claims, "exp", expected.now, 1, 3600 + 60);
  if (exp - iat > 3600) throw new Error("exp is more than an hour after iat");
  return verified;
}

/** Checks a send request's body as FCM's v1 API validates it; throws the reason. */
function checkMessage(body: unknown): ReceivedFcmMessage["message"] {
  const request = object(body, "request");
  onlyKeys(request, ["message", "validate_only"], "request");
  const message = object(request.message, "message");
  onlyKeys(message, ["token", "notification", "data", "android", "name", "apns", "webpush", "fcm_options"], "message");
  if (typeof message.token !== "string" || message.token === "") throw new Error("message.token is missing");
  const notification = object(message.notification, "message.notification");
  onlyKeys(notification, ["title", "body", "image"], "message.notification");
  if (typeof notification.title !== "string" || typeof notification.body !== "string") throw new Error("notification title and body must be strings");
  for (const [k, v] of Object.entries(object(message.data, "message.data"))) {
    if (typeof v !== "string") throw new Error(`Invalid value at 'message.data[${k}]': data values must be strings`);
  }
  const android = object(message.android, "message.android");
  onlyKeys(android, ["collapse_key", "ttl", "priority", "notification", "restricted_package_name", "data", "direct_boot_ok"], "message.android");
  if (typeof android.collapse_key !== "string" || android.collapse_key === "") throw new Error("android.collapse_key is missing");
  if (typeof android.ttl !== "string" || !/^\d+(\.\d{1,9})?s$/.test(android.ttl)) throw new Error(`android.ttl ${String(android.ttl)} is not a Duration like "3600s"`);
  if (!["NORMAL", "HIGH"].includes(String(android.priority))) throw new Error(`android.priority ${String(android.priority)}`);
  if (android.notification !== undefined) onlyKeys(object(android.notification, "android.notification"), ["tag", "title", "body", "channel_id", "notification_count"], "android.notification");
  return message as ReceivedFcmMessage["message"];
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function onlyKeys(value: Record<string, unknown>, allowed: string[], what: string): void {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new Error(`Invalid JSON payload received. Unknown name "${unknown[0]}" at '${what}'`);
}

/** FCM v1's error body: a google.rpc.Status, with an FcmError detail when there is an FCM error code. */
export function fcmError(code: number, status: string, message: string, errorCode?: string): object {
  const details = errorCode ? [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode }] : [];
  return { error: { code, message, status, details } };
}
