import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import { describeRedisEndpoint, parseRedisEndpoint } from "./redis-endpoint.ts";

describe("parseRedisEndpoint", () => {
  it("reads the three deployments, credentials and all", () => {
    expect(parseRedisEndpoint("redis://:pw@127.0.0.1:6379/2")).toEqual({ kind: "server", url: "redis://:pw@127.0.0.1:6379/2" });
    expect(parseRedisEndpoint("redis+cluster://a:7000,[::1]:7001")).toEqual({
      kind: "cluster", nodes: [{ host: "a", port: 7000 }, { host: "::1", port: 7001 }],
    });
    expect(parseRedisEndpoint("redis+sentinel://u:p%40ss@s1:26379,s2:26379/my%20master/3")).toEqual({
      kind: "sentinel", sentinels: [{ host: "s1", port: 26379 }, { host: "s2", port: 26379 }], masterName: "my master", db: 3,
      username: "u", password: "p@ss",
    });
  });

  it("refuses what it cannot connect to, naming the problem and never printing a password", () => {
    expect(() => parseRedisEndpoint("http://x:1")).toThrow(/must start with redis:\/\//);
    expect(() => parseRedisEndpoint("redis+sentinel://:secret@s1:26379")).toThrow(/must name the master/);
    expect(() => parseRedisEndpoint("redis+sentinel://:secret@s1:26379")).not.toThrow(/secret/);
    expect(() => parseRedisEndpoint("redis+cluster://a:7000/1")).toThrow(/no database number/);
    expect(() => parseRedisEndpoint("redis+cluster://a")).toThrow(/"a" is not host:port/);
    expect(() => parseRedisEndpoint("redis+cluster://a:99999")).toThrow(/not host:port/);
    expect(() => parseRedisEndpoint("redis+cluster://")).toThrow(/names no host:port/);
  });

  it("describes an endpoint for the log by its hosts", () => {
    expect(describeRedisEndpoint(parseRedisEndpoint("redis://:pw@h:1"))).toBe("redis(h:1)");
    expect(describeRedisEndpoint(parseRedisEndpoint("redis+cluster://:pw@a:1,b:2"))).toBe("redis-cluster(a:1,b:2)");
    expect(describeRedisEndpoint(parseRedisEndpoint("redis+sentinel://s:1/m"))).toBe("redis-sentinel(s:1/m)");
  });
});

describe("Redis settings", () => {
  const redisUrl = (argv: string[], env: NodeJS.ProcessEnv = {}) => loadConfig(argv, env).redisUrl;

  it("--redis-cluster and --redis-sentinels (or their variables) become the one Redis URL", () => {
    expect(redisUrl(["--redis-cluster", "10.0.0.1:7000, 10.0.0.2:7000"])).toBe("redis+cluster://10.0.0.1:7000,10.0.0.2:7000");
    expect(redisUrl([], { CHAT_REDIS_SENTINELS: "s1:26379,s2:26379", CHAT_REDIS_SENTINEL_MASTER: "chat" })).toBe("redis+sentinel://s1:26379,s2:26379/chat");
    expect(redisUrl(["--redis-sentinels", "s1:26379"])).toBe("redis+sentinel://s1:26379/mymaster");
    expect(redisUrl(["--redis-url", "redis+sentinel://s1:26379/m"])).toBe("redis+sentinel://s1:26379/m");
    expect(redisUrl([])).toBeUndefined();
  });

  it("refuses two ways of naming Redis at once, and a bad address, naming the setting", () => {
    expect(() => redisUrl(["--redis-url", "redis://h:1", "--redis-cluster", "a:1"])).toThrow(/--redis-url and --redis-cluster are both set/);
    expect(() => redisUrl(["--redis-cluster", "a:1,b"])).toThrow(/^--redis-cluster \(CHAT_REDIS_CLUSTER\): "b" is not host:port/);
    expect(() => redisUrl(["--redis-url", "redis+cluster://"])).toThrow(/^--redis-url \(CHAT_REDIS_URL\): /);
  });
});
