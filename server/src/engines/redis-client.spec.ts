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
});
