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

  it("sheds a shed method at once with ResourceExhausted while its oldest call in flight has waited afterMs, and takes calls again once it answered", async () => {
    const { impl, waiting } = engine();
    const shed: string[] = [];
    const slow = { ...impl, read: impl.call };
    const store = withDeadlines(slow, 1_000, "the database", () => {}, { methods: ["call"], afterMs: 50, onShed: (m) => shed.push(m) });
    const reading = store.read("read"); // another method's slow call is not the shed methods' lag
    const oldest = store.call("oldest");
    const young = store.call("young"); // the oldest has not waited 50 ms yet: taken
    await new Promise((r) => setTimeout(r, 60));
    let called = 0;
    const refused = store.call("refused");
    if (waiting.has("refused")) called++;
    expect(await codeOf(refused)).toBe("ResourceExhausted");
    await expect(refused).rejects.toThrow("the server is saturated: the database is more than 50 ms behind; try again in a moment");
    expect(called, "a shed call never reaches the engine").toBe(0);
    expect(shed).toEqual(["call"]);
    waiting.get("oldest")!.resolve("o");
    await expect(oldest).resolves.toBe("o");
    // The head is now `young`, which has waited as long: still shed until it answers too.
    expect(await codeOf(store.call("still"))).toBe("ResourceExhausted");
    waiting.get("young")!.resolve("y");
    await expect(young).resolves.toBe("y");
    const after = store.call("after");
    waiting.get("after")!.resolve("a");
    await expect(after).resolves.toBe("a");
    waiting.get("read")!.resolve("r");
    await expect(reading).resolves.toBe("r");
  });

  it("sheds nothing with afterMs 0, and a call timed out no longer counts as in flight", async () => {
    const { impl, waiting } = engine();
    const off = withDeadlines(impl, 40, "the database", () => {}, { methods: ["call"], afterMs: 0 });
    const first = off.call("first");
    await new Promise((r) => setTimeout(r, 20));
    const second = off.call("second");
    waiting.get("second")!.resolve("s");
    await expect(second).resolves.toBe("s");
    expect(await codeOf(first)).toBe("Unavailable");
    const on = withDeadlines(engine().impl, 40, "the database", () => {}, { methods: ["call"], afterMs: 30 });
    expect(await codeOf(on.call("stalled"))).toBe("Unavailable");
    // Failed by its deadline, the stalled call is the caller's answer: the next call is taken.
    const next = on.call("next");
    expect(await codeOf(next)).toBe("Unavailable");
  });
});
