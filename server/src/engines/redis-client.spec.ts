import { describe, expect, it, vi } from "vitest";
import { freePort } from "../../test/services/free-port.ts";
import { createRedisClient } from "./redis-client.ts";

describe("createRedisClient", () => {
  it("reports connection errors to its listener, never as ioredis's \"Unhandled error event\"", async () => {
    const port = await freePort(); // nothing listens there: Redis is down
    const printed = vi.spyOn(console, "error");
    const errors: unknown[] = [];
    const redis = createRedisClient(`redis://127.0.0.1:${port}`, "chat-test", (err) => errors.push(err));
    try {
      const deadline = Date.now() + 5_000;
      while (errors.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(errors.length).toBeGreaterThanOrEqual(2); // every failed reconnect, not only the first
      expect(String(errors[0])).toMatch(/redis connection chat-test: .*ECONNREFUSED/);
      expect(printed.mock.calls.flat().join(" ")).not.toMatch(/Unhandled error event/);
    } finally {
      redis.disconnect();
      printed.mockRestore();
    }
  });

  it.each(["redis+cluster://127.0.0.1:PORT", "redis+sentinel://127.0.0.1:PORT/mymaster"])("fails a command within seconds, never hangs, while %s is unreachable", async (template) => {
    const url = template.replace("PORT", String(await freePort()));
    const errors: unknown[] = [];
    const redis = createRedisClient(url, "chat-test", (err) => errors.push(err));
    try {
      const started = Date.now();
      await expect(redis.get("x")).rejects.toThrow(/redis connection chat-test: no (Cluster node|Sentinel)/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });
});
