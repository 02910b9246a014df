import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";

/** A service's answer: status, headers and (bounded) body text. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP/1.1 request of a provider. */
export interface HttpRequestOptions {
  method: "POST";
  headers: Record<string, string>;
  body: string;
  /** The whole exchange, connect to last byte; past it the request is aborted and the call rejects. */
  timeoutMs: number;
  /** Extra CA certificates (PEM) trusted beside the public roots: a test's or a private proxy's. */
  ca?: string | Buffer | undefined;
}

/** A push service's answer is small JSON; anything longer is cut rather than buffered without end. */
const maxAnswerBytes = 64 * 1024;

/**
 * Sends one request over `http:` or `https:` (node:http, so a test or an operator's proxy can be given
 * a private CA, which global fetch cannot without undici) and resolves with the answer whatever its
 * status; rejects only when no answer came (network error, timeout): the caller's cue to retry.
 */
export function requestText(url: string, options: HttpRequestOptions): Promise<HttpAnswer> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, {
      method: options.method,
      headers: { ...options.headers, "content-length": String(Buffer.byteLength(options.body)) },
      signal: AbortSignal.timeout(options.timeoutMs),
      ...(options.ca ? { ca: [...rootCertificates, options.ca.toString()] } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        if (size < maxAnswerBytes) chunks.push(chunk);
        size += chunk.length;
      });
      res.on("end", () => resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: Buffer.concat(chunks).subarray(0, maxAnswerBytes).toString(),
      }));
      res.on("error", reject);
      // Aborted mid-body (timeout, reset): no complete answer, so no end; reject rather than hang.
      res.on("close", () => { if (!res.complete) reject(new Error("the answer was cut off")); });
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/**
 * How long a `Retry-After` header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) asks to wait, in
 * milliseconds; undefined when absent or unreadable, so the queue falls back to its own backoff.
 */
export function retryAfterMs(header: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A short description of why a request got no answer, for a `retry` result's reason. */
export function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (err.name === "TimeoutError" || err.name === "AbortError") return "no answer in time";
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/**
 * `url` when it is an http(s) URL, else an error naming `what`: a service URL from configuration is
 * checked when the provider is built, so a typo stops the start rather than every push.
 */
export function serviceUrl(url: string, what: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined; // reported just below, with the setting's name
  }
  if (parsed?.protocol !== "https:" && parsed?.protocol !== "http:") throw new Error(`${what} ${JSON.stringify(url)} is not an http(s) URL`);
  return url.replace(/\/+$/, "");
}
