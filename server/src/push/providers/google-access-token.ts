import { createPrivateKey, type KeyObject } from "node:crypto";
import { describeNetworkError, requestText, retryAfterMs } from "./http-request.ts";
import { signJwt } from "./jwt.ts";
import type { PushResult } from "./provider.ts";

/** A Google service account, from the JSON key file the Firebase console downloads. */
export interface ServiceAccount {
  projectId: string;
  clientEmail: string;
  privateKey: KeyObject;
  /** The key's id, sent as the assertion's `kid`. */
  privateKeyId: string | undefined;
  /** The OAuth2 token endpoint (`token_uri`), normally https://oauth2.googleapis.com/token. */
  tokenUri: string;
}

/**
 * Parses a service-account key file's JSON; throws naming `source` and the field that is missing or
 * wrong, so a bad file stops the node at startup.
 */
export function parseServiceAccount(json: unknown, source: string): ServiceAccount {
  const file = (json ?? {}) as Record<string, unknown>;
  const field = (name: string): string => {
    const value = file[name];
    if (typeof value !== "string" || value === "") throw new Error(`${source}: "${name}" is missing; expected a Google service-account key file`);
    return value;
  };
  if (file.type !== undefined && file.type !== "service_account") throw new Error(`${source}: "type" is ${String(file.type)}, expected service_account`);
  const projectId = field("project_id");
  const clientEmail = field("client_email");
  const tokenUri = field("token_uri");
  const pem = field("private_key");
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${source}: "private_key" is not a PEM private key (${(err as Error).message})`);
  }
  if (privateKey.asymmetricKeyType !== "rsa") throw new Error(`${source}: "private_key" is not an RSA key`);
  const privateKeyId = typeof file.private_key_id === "string" ? file.private_key_id : undefined;
  return { projectId, clientEmail, privateKey, privateKeyId, tokenUri };
}

/** An access token, or why there is none (a result the provider passes on as its own). */
export type AccessTokenResult = { kind: "token"; token: string } | Extract<PushResult, { kind: "retry" | "failed" }>;

/** Options of {@link GoogleAccessToken}. */
export interface GoogleAccessTokenOptions {
  account: ServiceAccount;
  /** The OAuth2 scope asked for. */
  scope: string;
  ca?: string | Buffer | undefined;
  timeoutMs: number;
  now?: (() => number) | undefined;
}

/** Google's access tokens last an hour; a token is renewed this long before it expires (or halfway, if shorter-lived). */
const renewBeforeMs = 5 * 60_000;

/**
 * An OAuth2 access token for a service account (RFC 7523 JWT bearer grant, as Google documents for
 * server-to-server calls): an RS256 assertion signed with the account's key is exchanged at its
 * `token_uri`, the token kept until shortly before it expires, and one exchange shared by every send
 * that needs a token meanwhile (a burst of pushes must not become a burst of token requests).
 */
export class GoogleAccessToken {
  readonly #options: GoogleAccessTokenOptions;
  readonly #now: () => number;
  #current: { token: string; renewAt: number } | undefined;
  #pending: Promise<AccessTokenResult> | undefined;

  constructor(options: GoogleAccessTokenOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** A valid token: the kept one, or a new one from the token endpoint. */
  async get(): Promise<AccessTokenResult> {
    const current = this.#current;
    if (current && this.#now() < current.renewAt) return { kind: "token", token: current.token };
    this.#pending ??= this.#exchange().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forgets `token` after the service refused it (revoked, or expired early), so the next get() exchanges anew. */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  async #exchange(): Promise<AccessTokenResult> {
    const { account, scope, timeoutMs, ca } = this.#options;
    const iat = Math.floor(this.#now() / 1000);
    const assertion = signJwt("RS256", account.privateKey, account.privateKeyId ? { kid: account.privateKeyId } : {}, {
      iss: account.clientEmail, scope, aud: account.tokenUri, iat, exp: iat + 3600,
    });
    const body = new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString();
    let answer: Awaited<ReturnType<typeof requestText>>;
    try {
      answer = await requestText(account.tokenUri, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body, timeoutMs, ca });
    } catch (err) {
      return { kind: "retry", reason: `token endpoint: ${describeNetworkError(err)}` };
    }
    const reason = `token endpoint answered ${answer.status}: ${answer.body.slice(0, 200)}`;
    if (answer.status === 429 || answer.status >= 500) return { kind: "retry", reason, retryAfterMs: retryAfterMs(answer.headers["retry-after"]) };
    // 400 invalid_grant / 401 invalid_client: the account's key was deleted or the clock is off; retrying
    // the same assertion will not help, the operator must act.
    if (answer.status !== 200) return { kind: "failed", reason };
    const granted = parseGrant(answer.body);
    if (!granted) return { kind: "retry", reason: `token endpoint answered 200 without an access token: ${answer.body.slice(0, 200)}` };
    const lifetimeMs = granted.expiresIn * 1000;
    this.#current = { token: granted.token, renewAt: this.#now() + lifetimeMs - Math.min(renewBeforeMs, lifetimeMs / 2) };
    return { kind: "token", token: granted.token };
  }
}

function parseGrant(text: string): { token: string; expiresIn: number } | undefined {
  try {
    const grant = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (typeof grant.access_token !== "string" || grant.access_token === "") return undefined;
    const expiresIn = typeof grant.expires_in === "number" && grant.expires_in > 0 ? grant.expires_in : 3600;
    return { token: grant.access_token, expiresIn };
  } catch {
    return undefined; // not JSON: the caller reports the body it got
  }
}
