import { type ClientHttp2Session, connect, constants, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http2";
import { rootCertificates } from "node:tls";

/** An HTTP/2 answer: status, headers and (bounded) body text. */
export interface Http2Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Options of {@link Http2Origin}. */
export interface Http2OriginOptions {
  /** Extra CA certificates (PEM) trusted beside the public roots. */
  ca?: string | Buffer | undefined;
  /** The whole exchange of one request, connecting included. */
  timeoutMs: number;
  /** Hears a session's end that no request saw (a GOAWAY, a reset connection): the reason, for a log line. */
  onSessionEnd?: ((reason: string) => void) | undefined;
}

const maxAnswerBytes = 64 * 1024;

/**
 * One HTTP/2 session to one origin, reused by every request (APNs asks providers to keep their
 * connection open rather than connect per push, and treats rapid reconnects as a denial of service),
 * and replaced when it ends: after a GOAWAY (the server is draining it) or an error, the next request
 * opens a new one. Requests already on the old session finish or fail there; a failed one is the
 * caller's to retry.
 */
export class Http2Origin {
  readonly #origin: string;
  readonly #options: Http2OriginOptions;
  #session: ClientHttp2Session | undefined;
  /** How many sessions were opened: a test's view of reconnects. */
  sessionsOpened = 0;

  constructor(origin: string, options: Http2OriginOptions) {
    this.#origin = origin;
    this.#options = options;
  }

  /** Sends one request; resolves with the answer whatever its status, rejects when none came in time. */
  request(headers: OutgoingHttpHeaders, body: string): Promise<Http2Answer> {
    const session = this.#current();
    return new Promise((resolve, reject) => {
      const stream = session.request(headers);
      const timer = setTimeout(() => {
        stream.close(constants.NGHTTP2_CANCEL);
        // Still connecting after the whole budget: the host is unreachable. Connected but silent: the
        // connection may be dead (a NAT that dropped it). Either way the next request must not wait
        // on the same connection: it opens a new one, while requests already here finish or time out.
        if (session.connecting) {
          this.#forget(session);
          session.destroy();
        } else {
          this.#drop(session, "a request got no answer in time");
        }
        reject(Object.assign(new Error("no answer in time"), { name: "TimeoutError" }));
      }, this.#options.timeoutMs);
      let status = 0;
      let answerHeaders: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("response", (h) => {
        status = Number(h[":status"]);
        answerHeaders = h;
      });
      stream.on("data", (chunk: Buffer) => {
        if (size < maxAnswerBytes) chunks.push(chunk);
        size += chunk.length;
      });
      stream.on("end", () => {
        clearTimeout(timer);
        resolve({ status, headers: answerHeaders, body: Buffer.concat(chunks).subarray(0, maxAnswerBytes).toString() });
      });
      stream.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      stream.on("close", () => {
        clearTimeout(timer);
        // Closed without an end (a reset stream, a session torn down): no answer.
        if (status === 0) reject(new Error(`stream closed without an answer (code ${stream.rstCode})`));
      });
      stream.end(body);
    });
  }

  /** Closes the session (requests in flight are cut: call it after the worker drained). */
  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (!session || session.destroyed) return;
    await new Promise<void>((resolve) => {
      session.close(resolve);
      // A graceful close waits for open streams, which the timeout bounds; do not wait longer.
      setTimeout(() => {
        session.destroy();
        resolve();
      }, this.#options.timeoutMs).unref();
    });
  }

  #current(): ClientHttp2Session {
    const existing = this.#session;
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const session = connect(this.#origin, this.#options.ca ? { ca: [...rootCertificates, this.#options.ca.toString()] } : {});
    this.sessionsOpened++;
    this.#session = session;
    session.on("goaway", (code) => this.#drop(session, `GOAWAY (code ${code})`));
    // Without a listener an 'error' would crash the process; the requests on it fail on their own.
    session.on("error", (err) => this.#drop(session, err.message));
    session.on("close", () => this.#forget(session));
    return session;
  }

  /** Stops using `session` for new requests and lets it close; tells onSessionEnd why. */
  #drop(session: ClientHttp2Session, reason: string): void {
    this.#options.onSessionEnd?.(reason);
    this.#forget(session);
    if (!session.destroyed) session.close();
  }

  #forget(session: ClientHttp2Session): void {
    if (this.#session === session) this.#session = undefined;
  }
}
