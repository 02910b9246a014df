#!/usr/bin/env node
import { fork } from "node:child_process";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";

/**
 * `node --expose-gc bench/src/h2-floor.ts [connections] [server options as JSON]`: the memory floor of
 * an idle connection in a bare `node:http2` server (one open bidirectional stream per connection, as
 * a chat device holds), to compare with the `connections` scenario's KiB per connection: what the
 * runtime costs before any of our code or connect's. A child process opens the connections; the
 * server measures its RSS. The JSON is merged over the server's options, to see what a per-session
 * setting saves: `'{"settings":{"headerTableSize":0}}'`.
 */
const count = Number(process.argv[2] ?? 5_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const rssKiB = () => process.memoryUsage().rss / 1024;

if (process.argv[3] === "client") {
  for (let i = 0; i < count; i++) {
    const stream = http2.connect(process.argv[4]!).request({ ":method": "POST", ":path": "/stream" });
    stream.on("data", () => {});
    stream.write(Buffer.alloc(10));
    if (i % 200 === 0) await sleep(50);
  }
  process.send?.("open");
  setInterval(() => {}, 1_000);
} else {
  let open = 0;
  const options = { maxSessionMemory: 64, ...(JSON.parse(process.argv[3] ?? "{}") as http2.ServerOptions) }; // as server/src/transport does
  const server = http2.createServer(options);
  server.on("stream", (stream) => {
    open++;
    stream.respond({ ":status": 200 });
    stream.write("ready");
    stream.on("data", () => {});
  });
  server.listen(0, "127.0.0.1", async () => {
    gc();
    await sleep(1_000);
    const before = rssKiB();
    const client = fork(new URL(import.meta.url), [String(count), "client", `http://127.0.0.1:${(server.address() as AddressInfo).port}`]);
    client.once("message", async () => {
      await sleep(3_000);
      gc();
      await sleep(500);
      const grown = rssKiB() - before;
      console.log(`${JSON.stringify(options)}: ${open} idle HTTP/2 connections, one stream each: RSS +${Math.round(grown / 1024)} MiB, ${(grown / open).toFixed(1)} KiB per connection`);
      client.kill();
      process.exit(0);
    });
  });
}
