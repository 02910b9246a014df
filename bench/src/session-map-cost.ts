#!/usr/bin/env node
// What one connected device costs Redis, for docs/capacity.md: the session map's memory per device
// and the CPU of the heartbeat refresh every device sends each heartbeat interval (15 s by default),
// which at millions of devices is Redis's largest steady load. Runs the real session map
// (server/src/engines/sessions/redis/) against a private redis-server it starts on a free loopback
// port, with no persistence as in production:
//
//   node bench/src/session-map-cost.ts [devices=20000] [rounds=3]
//
// Each round: FLUSHALL, add `devices` sessions (one device per user, a user's keys included),
// read `used_memory`; then refresh every device one call at a time, as heartbeats do, and read the
// CPU time redis-server and this process used for them.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { createRedisSessionMap } from "../../server/src/engines/sessions/redis/redis-session-map.ts";
import { cpuSeconds } from "./targets/process-stats.ts";

const devices = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const port = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port: p } = probe.address() as { port: number };
    probe.close(() => resolve(p));
  });
});
const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "inherit"] });
await new Promise<void>((resolve, reject) => {
  server.stdout.on("data", (chunk: Buffer) => { if (chunk.toString().includes("Ready to accept connections")) resolve(); });
  server.once("exit", (code) => reject(new Error(`redis-server exited with ${code}`)));
});
server.stdout.resume();
const url = `redis://127.0.0.1:${port}`;
const admin = new Redis(url);
const info = async (field: string) => Number(new RegExp(`^${field}:(\\d+)`, "m").exec(await admin.info())?.[1]);
const sessions = Array.from({ length: devices }, (_, i) => ({
  userId: crypto.randomUUID(), deviceId: crypto.randomUUID(), connectionId: crypto.randomUUID(), nodeId: `node-${i % 3}`,
}));

console.log(`redis-server ${(await admin.info("server")).match(/redis_version:(\S+)/)?.[1]}, ${devices} devices, ${rounds} rounds`);
console.log("round | bytes/device | redis µs/refresh | client µs/refresh | refreshes/s (one at a time)");
for (let round = 1; round <= rounds; round++) {
  await admin.flushall();
  await admin.config("RESETSTAT");
  const map = createRedisSessionMap({ url, ttlMs: 45_000, onError: (err) => console.error(err) });
  const before = await info("used_memory");
  for (let i = 0; i < devices; i += 500) await Promise.all(sessions.slice(i, i + 500).map((s) => map.add(s)));
  const perDevice = ((await info("used_memory")) - before) / devices;
  const [redisCpu, ownCpu, start] = [cpuSeconds(server.pid!), process.cpuUsage(), performance.now()];
  // 64 heartbeats in flight at a time: many devices, one node's connection to Redis.
  for (let i = 0; i < devices; i += 64) await Promise.all(sessions.slice(i, i + 64).map((s) => map.refresh([s])));
  const seconds = (performance.now() - start) / 1000;
  const redisUs = ((cpuSeconds(server.pid!) - redisCpu) * 1e6) / devices;
  const own = process.cpuUsage(ownCpu);
  const clientUs = (own.user + own.system) / devices;
  console.log(`${round} | ${perDevice.toFixed(0)} | ${redisUs.toFixed(1)} | ${clientUs.toFixed(1)} | ${(devices / seconds).toFixed(0)}`);
  await map.close();
}
await admin.quit();
server.kill();
