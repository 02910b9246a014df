import { Code, ConnectError, createContextKey, createHandlerContext } from "@connectrpc/connect";
import { LiveService } from "@chat/gen/chat/v1/live_pb.js";
import { describe, expect, it } from "vitest";
import { CallContextValues, GrpcCallContext } from "./grpc-call-context.ts";

const method = LiveService.method.stream;

function context(timeoutMs: number | undefined) {
  return new GrpcCallContext({
    service: method.parent, method, url: "http://x/chat.v1.LiveService/Stream", timeoutMs,
    requestHeader: new Headers(), responseHeader: new Headers(), responseTrailer: new Headers(), values: new CallContextValues(),
  });
}

/** What connect-es's own context carries, for the same events (the fast path's must not differ). */
function connectContext(timeoutMs: number | undefined) {
  const request = new AbortController();
  const ctx = createHandlerContext({ service: method.parent, method, protocolName: "grpc", requestMethod: "POST", url: "", timeoutMs, requestSignal: request.signal });
  return { ctx, reset: (reason?: unknown) => request.abort(reason) };
}

function until(signal: AbortSignal, deadlineMs = 2_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(() => reject(new Error("signal not aborted in time")), deadlineMs);
    signal.addEventListener("abort", () => { clearTimeout(t); resolve(); });
  });
}

describe("GrpcCallContext", () => {
  it("aborts at the deadline with DeadlineExceeded, as connect-es's context does", async () => {
    const ours = context(20), theirs = connectContext(20).ctx;
    await Promise.all([until(ours.signal), until(theirs.signal)]);
    for (const reason of [ours.signal.reason, theirs.signal.reason]) {
      expect(reason).toBeInstanceOf(ConnectError);
      expect((reason as ConnectError).code).toBe(Code.DeadlineExceeded);
      expect((reason as ConnectError).rawMessage).toBe("the operation timed out");
    }
    expect(ours.timeoutMs()).toBeLessThanOrEqual(0);
  });

  it("is aborted at once by a deadline already past", () => {
    expect((context(0).signal.reason as ConnectError).code).toBe(Code.DeadlineExceeded);
  });

  it("keeps the first reason: a reset's error, or an AbortError for none", () => {
    const reset = new ConnectError("http/2 stream closed with error code CANCEL (0x8)", Code.Canceled);
    const ours = context(10_000);
    ours.abort(reset);
    ours.abort(new Error("the call's end, later"));
    expect(ours.signal.reason).toBe(reset);
    const bare = context(undefined), theirs = connectContext(undefined);
    bare.abort();
    theirs.reset();
    expect((bare.signal.reason as Error).name).toBe("AbortError");
    expect((theirs.ctx.signal.reason as Error).name).toBe("AbortError");
    expect(bare.timeoutMs()).toBeUndefined();
  });

  it("does not abort after the call ended, its deadline cleared", async () => {
    const ours = context(20);
    ours.abort();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((ours.signal.reason as Error).name).toBe("AbortError");
  });
});

describe("CallContextValues", () => {
  it("gets, sets and deletes by key, with the key's default", () => {
    const key = createContextKey("none", { description: "k" });
    const values = new CallContextValues();
    expect(values.get(key)).toBe("none");
    expect(values.set(key, "set").get(key)).toBe("set");
    expect(values.delete(key).get(key)).toBe("none");
  });
});
