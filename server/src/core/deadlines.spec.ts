import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { withDeadlines } from "./deadlines.ts";

/** An engine whose calls answer when the test says so. */
function engine() {
  const waiting = new Map<string, { resolve(v: string): void; reject(e: unknown): void }>();
  return {
    waiting,
    impl: {
      call(id: string): Promise<string> {
        return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
      },
      plain: () => 7,
      async close() {},
    },
  };
}

const codeOf = (p: Promise<unknown>) => p.then(() => "resolved", (e: unknown) => (e instanceof ConnectError ? Code[e.code] : String(e)));

describe("withDeadlines", () => {
  it("passes answers through, in time or not, and plain values untouched", async () => {
    const { impl, waiting } = engine();
    const store = withDeadlines(impl, 1_000, "the database", () => {});
    const a = store.call("a");
    const b = store.call("b");
    waiting.get("b")!.resolve("B");
    waiting.get("a")!.reject(new Error("boom"));
    await expect(b).resolves.toBe("B");
    await expect(a).rejects.toThrow("boom");
    expect(store.plain()).toBe(7);
    expect(store.close).toBe(impl.close);
  });

  it("fails each call that has not answered after ms with Unavailable, each a full ms after it started", async () => {
    const { impl, waiting } = engine();
    const late: unknown[] = [];
    const store = withDeadlines(impl, 80, "the database", (e) => late.push(e));
    const started = performance.now();
    const first = store.call("first");
    const answered = store.call("answered");
    await new Promise((r) => setTimeout(r, 40));
    const second = store.call("second");
    waiting.get("answered")!.resolve("ok");
    await expect(answered).resolves.toBe("ok");
    await expect(first).rejects.toThrow("the database did not answer call within 80 ms; try again");
    expect(performance.now() - started).toBeGreaterThanOrEqual(79);
    expect(await codeOf(second)).toBe("Unavailable");
    expect(performance.now() - started).toBeGreaterThanOrEqual(40 + 79);
    // What a timed-out call does afterwards is only logged.
    waiting.get("first")!.reject(new Error("late failure"));
    waiting.get("second")!.resolve("late value");
    await new Promise((r) => setTimeout(r, 0));
    expect(late).toEqual([new Error("late failure")]);
  });

  it("keeps deadlines when calls answer out of order, across many calls", async () => {
    const { impl, waiting } = engine();
    const store = withDeadlines(impl, 60, "the database", () => {});
    const stuck = store.call("stuck"); // holds the head of the queue while 3,000 calls behind it answer
    const calls = Array.from({ length: 3_000 }, (_, i) => store.call(`c${i}`));
    for (let i = 0; i < 3_000; i++) waiting.get(`c${i}`)!.resolve(`v${i}`);
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 3_000 }, (_, i) => `v${i}`));
    expect(await codeOf(stuck)).toBe("Unavailable");
    // The sweep starts again for calls made after it emptied.
    const again = store.call("again");
    expect(await codeOf(again)).toBe("Unavailable");
  });
});
