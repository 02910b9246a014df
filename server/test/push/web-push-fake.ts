import { createECDH, createPublicKey, type ECDH, randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:https";
import { FakeServiceRecord, readBody, scriptedResponse } from "./fake-service.ts";
import { checkTime, verifyJwt } from "./jws.ts";
import { decryptWebPush } from "./rfc8291.ts";
import { listenWithTls } from "./tls-server.ts";

/** A browser's push subscription on the fake: what `PushManager.subscribe` returns. */
export interface FakeWebPushSubscription {
  endpoint: string;
  /** base64url uncompressed P-256 public key of the subscription. */
  p256dh: string;
  /** base64url 16-byte auth secret. */
  auth: string;
}

/** One push the fake accepted, decrypted. */
export interface ReceivedWebPush {
  endpoint: string;
  /** The decrypted payload, parsed as JSON. */
  payload: unknown;
  ttl: number;
  urgency: string;
  topic: string | undefined;
  /** The verified VAPID claims. */
  vapid: { aud: string; exp: number; sub: string };
}

/** A local Web Push service, see {@link startWebPushFake}. */
export interface WebPushFake {
  /** `https://127.0.0.1:<port>`: the host to allow in the provider's `endpointHosts` is 127.0.0.1. */
  origin: string;
  /** The CA its certificate chains to, for the provider's `ca`. */
  ca: Buffer;
  /** Creates a subscription for a server whose VAPID public key is `applicationServerKey`, as a browser does. */
  subscribe(applicationServerKey: string): FakeWebPushSubscription;
  /** Expires a subscription: pushes to it are answered 410 Gone from now on. */
  unsubscribe(endpoint: string): void;
  record: FakeServiceRecord<ReceivedWebPush>;
  close(): Promise<void>;
}

interface Subscription {
  keys: ECDH;
  auth: Buffer;
  applicationServerKey: string;
  gone: boolean;
}

/** RFC 8030 §7.2: a push service must accept at least 4,096 bytes of payload; real ones refuse more with 413. */
const maxBodyBytes = 4096;

/**
 * A push service over HTTPS (a throwaway CA) that refuses what a real one would: a VAPID token not
 * signed by the `k=` key or not the key the subscription was made with (403), a wrong `aud`, an `exp`
 * past or more than 24 h ahead (401), a missing `TTL` or a bad `Urgency`/`Topic` (400), a body over
 * 4 KiB (413), and a body that does not decrypt per RFC 8291 with the subscription's private key (400,
 * decrypted by its own node:crypto code). Accepted pushes are answered 201 and recorded decrypted;
 * `record.answerNext` scripts errors (429 + Retry-After, 5xx...), `unsubscribe` makes an endpoint 410.
 */
export async function startWebPushFake(): Promise<WebPushFake> {
  const subscriptions = new Map<string, Subscription>();
  const record = new FakeServiceRecord<ReceivedWebPush>();
  let origin = "";

  const tls = await listenWithTls((options) => createServer(options, (req, res) => {
    const answer = (status: number, body = "", headers: Record<string, string> = {}) => res.writeHead(status, headers).end(body);
    const refuse = (status: number, reason: string) => (record.refuse(reason), answer(status, reason));
    readBody(req, 64 * 1024).then((body) => {
      const id = /^\/push\/([\w-]+)$/.exec(req.url ?? "")?.[1];
      const subscription = id ? subscriptions.get(id) : undefined;
      if (req.method !== "POST" || !subscription) return refuse(404, `no subscription at ${req.method} ${req.url}`);
      if (subscription.gone) return answer(410, "subscription expired");
      let vapid: ReceivedWebPush["vapid"];
      try {
        vapid = checkVapid(req.headers.authorization, subscription.applicationServerKey, origin);
      } catch (err) {
        return refuse((err as VapidError).status ?? 401, `VAPID: ${(err as Error).message}`);
      }
      const ttl = req.headers.ttl;
      if (typeof ttl !== "string" || !/^\d+$/.test(ttl)) return refuse(400, `TTL header missing or not a non-negative integer: ${ttl}`);
      const urgency = req.headers.urgency ?? "normal";
      if (typeof urgency !== "string" || !["very-low", "low", "normal", "high"].includes(urgency)) return refuse(400, `bad Urgency ${urgency}`);
      const topic = req.headers.topic;
      if (topic !== undefined && (typeof topic !== "string" || !/^[\w-]{1,32}$/.test(topic))) return refuse(400, `Topic must be 1-32 base64url characters: ${topic}`);
      if (req.headers["content-encoding"] !== "aes128gcm") return refuse(400, `Content-Encoding is ${req.headers["content-encoding"]}, expected aes128gcm`);
      if (body.length > maxBodyBytes) return refuse(413, `payload of ${body.length} bytes is over ${maxBodyBytes}`);
      let payload: unknown;
      try {
        payload = JSON.parse(decryptWebPush(body, subscription.keys, subscription.auth).toString());
      } catch (err) {
        return refuse(400, `payload: ${(err as Error).message}`);
      }
      const scripted = record.takeScripted();
      if (scripted) {
        const response = scriptedResponse(scripted);
        return response && answer(response.status, response.body, response.headers);
      }
      record.accept({ endpoint: `${origin}${req.url}`, payload, ttl: Number(ttl), urgency, topic, vapid });
      return answer(201, "", { location: `${origin}/message/${randomUUID()}` });
    }, (err: unknown) => refuse(413, `body: ${(err as Error).message}`));
  }));
  origin = tls.origin;

  return {
    origin,
    ca: tls.ca,
    record,
    subscribe(applicationServerKey) {
      const keys = createECDH("prime256v1");
      keys.generateKeys();
      const id = randomUUID();
      const auth = randomBytes(16);
      subscriptions.set(id, { keys, auth, applicationServerKey, gone: false });
      return { endpoint: `${origin}/push/${id}`, p256dh: keys.getPublicKey().toString("base64url"), auth: auth.toString("base64url") };
    },
    unsubscribe(endpoint) {
      const subscription = subscriptions.get(endpoint.split("/").pop() ?? "");
      if (subscription) subscription.gone = true;
    },
    close: tls.close,
  };
}

type VapidError = Error & { status?: number };

/** RFC 8292 §2-3: `Authorization: vapid t=<JWT>, k=<public key>`, checked as a push service does. */
function checkVapid(header: string | undefined, applicationServerKey: string, origin: string): ReceivedWebPush["vapid"] {
  const match = /^vapid t=([\w.-]+), ?k=([\w-]+)$/.exec(header ?? "");
  if (!match) throw new Error(`Authorization is not "vapid t=…, k=…": ${header}`);
  const [, token, k] = match as unknown as [string, string, string];
  // A subscription is bound to the key it was made with (RFC 8292 §4.2: 403 for another key).
  if (k !== applicationServerKey) throw Object.assign(new Error("k= is not the key the subscription was made with"), { status: 403 });
  const raw = Buffer.from(k, "base64url");
  if (raw.length !== 65 || raw[0] !== 0x04) throw new Error("k= is not an uncompressed P-256 point");
  const key = createPublicKey({ format: "jwk", key: { kty: "EC", crv: "P-256", x: raw.subarray(1, 33).toString("base64url"), y: raw.subarray(33).toString("base64url") } });
  const { claims } = verifyJwt(token, key, "ES256");
  if (claims.aud !== origin) throw new Error(`aud is ${String(claims.aud)}, expected the origin ${origin}`);
  // RFC 8292 §2: exp no more than 24 hours ahead (and not past).
  const exp = checkTime(claims, "exp", Date.now(), 0, 24 * 3600);
  const sub = claims.sub;
  if (typeof sub !== "string" || !/^(mailto:|https:)/.test(sub)) throw new Error(`sub is not a mailto: or https: URL: ${String(sub)}`);
  return { aud: origin, exp, sub };
}
