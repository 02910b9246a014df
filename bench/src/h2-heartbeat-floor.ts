#!/usr/bin/env node
import { fork } from "node:child_process";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";

/**
 * `node bench/src/h2-heartbeat-floor.ts [connections] [heartbeat ms] [keep-alive ms] [seconds]`: the CPU
 * floor of an idle device's heartbeats in a bare `node:http2` server, to compare with the `connections`
 * scenario's CPU µs per heartbeat: what nghttp2, Node's streams and the kernel cost before any of our
 * code or connect's. A child process opens one stream per connection and writes a heartbeat as a chat
 * client does (a 7-byte gRPC message: 5-byte prefix, 2-byte StreamRequest) every `heartbeat ms`; the
 * server reads it with a plain `data` listener and writes a keep-alive-sized response message (8
 * bytes) to every stream once per `keep-alive ms` (0: never), a quarter of them at a time, as the
 * heartbeat sweep does (every 5 s at the defaults, to the streams idle for 15 s). After every device
 * has heartbeated once, it prints the server process's CPU (all threads, user and system) per
 * heartbeat received over `seconds`.
 */
const count = Number(process.argv[2] ?? 1_000);
const heartbeatMs = Number(process.argv[3] ?? 750);
const keepAliveMs = Number(process.argv[4] ?? 1_500);
const seconds = Number(process.argv[5] ?? 15);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (process.argv[6] === "client") {
  const heartbeat = Buffer.from([0, 0, 0, 0, 2, 0x4a, 0]); // field 9 (heartbeat), empty
  for (let i = 0; i < count; i++) {
    const stream = http2.connect(process.argv[7]!).request({ ":method": "POST", ":path": "/stream", "content-type": "application/grpc" });
    stream.on("data", () => {});
    // Spread over the interval, as devices that connected at different times are.
    setTimeout(() => setInterval(() => stream.write(heartbeat), heartbeatMs), (i * heartbeatMs) / count);
    if (i % 200 === 0) await sleep(50);
  }
  process.send?.("open");
} else {
  const streams: http2.ServerHttp2Stream[] = [];
  let heartbeats = 0;
  const server = http2.createServer({ maxSessionMemory: 64 }); // as server/src/transport does
  server.on("stream", (stream) => {
    streams.push(stream);
    stream.respond({ ":status": 200, "content-type": "application/grpc" });
    stream.on("data", (chunk: Buffer) => (heartbeats += Math.floor(chunk.byteLength / 7)));
  });
  const keepAlive = Buffer.from([0, 0, 0, 0, 3, 0x0a, 1, 0x5a]); // a StreamResponse's keep-alive frame, near enough
  let sweeps = 0;
  const sweep = () => {
    for (let i = sweeps++ % 4; i < streams.length; i += 4) if (!streams[i]!.closed) streams[i]!.write(keepAlive);
  };
  if (keepAliveMs > 0) setInterval(sweep, keepAliveMs / 4);
  server.listen(0, "127.0.0.1", () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const child = fork(import.meta.filename, [String(count), String(heartbeatMs), String(keepAliveMs), String(seconds), "client", url]);
    child.on("message", async () => {
      await sleep(heartbeatMs + 2_000);
      const before = process.cpuUsage();
      const beatsBefore = heartbeats;
      await sleep(seconds * 1_000);
      const used = process.cpuUsage(before);
      const beats = heartbeats - beatsBefore;
      const cpuUs = used.user + used.system;
      console.log(JSON.stringify({
        connections: streams.length, heartbeatMs, keepAliveMs, "heartbeats/s": Math.round(beats / seconds),
        "server CPU %": Math.round((cpuUs / (seconds * 1e6)) * 1000) / 10,
        "user µs per heartbeat": Math.round(used.user / beats), "system µs per heartbeat": Math.round(used.system / beats),
        "CPU µs per heartbeat": Math.round(cpuUs / beats),
      }));
      child.kill();
      process.exit(0);
    });
  });
}
