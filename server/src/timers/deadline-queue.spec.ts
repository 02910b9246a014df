import { describe, expect, it } from "vitest";
import { DeadlineQueue } from "./deadline-queue.ts";

/** Resolves once `check` holds, or fails after `ms`. */
async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("DeadlineQueue", () => {
  it("expires each target a full ms after it was added, in order, and empties itself", async () => {
    const expired: { id: string; after: number }[] = [];
    const started = new Map<string, number>();
    const queue = new DeadlineQueue<string>(60, (id) => expired.push({ id, after: performance.now() - started.get(id)! }));
    for (const id of ["a", "b"]) {
      started.set(id, performance.now());
      queue.add(id);
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    started.set("c", performance.now());
    queue.add("c");
    await until(() => expired.length === 3);
    expect(expired.map((e) => e.id)).toEqual(["a", "b", "c"]);
    for (const e of expired) expect(e.after).toBeGreaterThanOrEqual(59);
    expect(queue.pending).toBe(0);
  });

  it("never expires a cancelled deadline, and lets go of its target at once", async () => {
    const expired: string[] = [];
    const queue = new DeadlineQueue<string>(40, (id) => expired.push(id));
    const a = queue.add("a");
    queue.add("b");
    const c = queue.add("c");
    a.cancel();
    c.cancel();
    expect(a.target).toBeUndefined();
    await until(() => queue.pending === 0);
    expect(expired).toEqual(["b"]);
    c.cancel(); // harmless after the time passed
  });
});
