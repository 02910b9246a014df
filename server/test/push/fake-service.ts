import { EventEmitter, once } from "node:events";
import type { IncomingMessage } from "node:http";

/** An answer a fake gives instead of its success, to test how a provider maps the service's errors. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string> | undefined;
  /** JSON bodies are given as objects. */
  body?: string | object | undefined;
  /** Reads the request and never answers (until the fake closes): a service that hangs. */
  noAnswer?: boolean | undefined;
}

/**
 * What a fake push service saw: the requests it accepted (`accepted`) and those it refused because they
 * were not what the real service expects (`refused`, with the reason; a passing provider leaves it
 * empty), plus a queue of scripted answers given, in order, to the next well-formed requests.
 */
export class FakeServiceRecord<T> {
  readonly accepted: T[] = [];
  readonly refused: string[] = [];
  readonly #script: ScriptedAnswer[] = [];
  readonly #events = new EventEmitter();

  /** Answers the next well-formed request with `answer` instead of success (queued, in order). */
  answerNext(...answers: ScriptedAnswer[]): void {
    this.#script.push(...answers);
  }

  /** The scripted answer due now, if any (taken off the queue). */
  takeScripted(): ScriptedAnswer | undefined {
    return this.#script.shift();
  }

  accept(item: T): void {
    this.accepted.push(item);
    this.#events.emit("change");
  }

  refuse(reason: string): void {
    this.refused.push(reason);
    this.#events.emit("change");
  }

  /** Resolves once `count` requests were accepted in all (rejects after `timeoutMs`, naming any refusals). */
  async waitForAccepted(count: number, timeoutMs = 5_000): Promise<T[]> {
    const signal = AbortSignal.timeout(timeoutMs);
    while (this.accepted.length < count) {
      try {
        await once(this.#events, "change", { signal });
      } catch {
        throw new Error(`${this.accepted.length} of ${count} requests accepted in ${timeoutMs} ms; refused: ${JSON.stringify(this.refused)}`);
      }
    }
    return this.accepted.slice(0, count);
  }
}

/** Reads a request body, at most `limit` bytes (more is refused: a real service caps it too). */
export async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The status, headers and body text of a scripted answer; undefined when it is to give none. */
export function scriptedResponse(answer: ScriptedAnswer): { status: number; headers: Record<string, string>; body: string } | undefined {
  if (answer.noAnswer) return undefined;
  const { body } = answer;
  const json = typeof body === "object";
  return {
    status: answer.status,
    headers: { ...(json ? { "content-type": "application/json" } : {}), ...answer.headers },
    body: typeof body === "object" ? JSON.stringify(body) : (body ?? ""),
  };
}
